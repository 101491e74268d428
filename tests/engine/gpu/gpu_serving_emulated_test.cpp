// Serving a trained checkpoint on the CUDA backend, checked WITHOUT a GPU: BATCHSCOPE_GPU_PLUGIN
// points at the fake plugin whose compute table runs host-emulated kernels, and whose events note
// the host clock (BS_FAKE_EVENT_CLOCK=host: EMULATED times of the host loops, only for checking
// that the phases are timed by the events and recorded per request). Answers are checked against
// the CPU service of the same checkpoint. With BS_USE_REAL_PLUGIN=1 the same tests run on the real
// plugin and a GPU.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/engine/training_run.h"
#include "emulated_serving.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;
using batchscope::profiler::Event;
using batchscope::profiler::LaneKind;
using batchscope::profiler::Phase;

namespace {

class EmulatedGpuServing : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        setenv("BS_FAKE_COMPUTE", "emulate", 1);
        setenv("BS_FAKE_EVENT_CLOCK", "host", 1);
        setenv("BS_FAKE_DEVICE_BYTES", "200000000", 1);
        bs_test::use_serving_plugin();
        dir_ = new bs_test::TempDir;
        bs_test::write_fake_fashion_mnist(dir_->path, 600, 300);
        // A real trained model: three epochs of an MLP on the CPU, written as a checkpoint.
        TrainConfig c;
        c.data_dir = dir_->path;
        c.cache_dir = dir_->path + "/cache";
        c.batch_size = 50;
        c.workers = 0;
        c.prefetch_depth = 0;
        c.epochs = 3;
        c.model = "mlp:32,16";
        c.checkpoint_path = dir_->file("mlp.ckpt");
        TrainingRun run(c);
        run.start();
        run.wait();
        ASSERT_EQ(run.snapshot()->state, RunState::Finished) << run.snapshot()->message;
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
        unsetenv("BATCHSCOPE_GPU_PLUGIN");
    }
    void SetUp() override { bs_test::use_serving_plugin(); }

    static std::string ckpt() { return dir_->file("mlp.ckpt"); }
    static std::string data() { return dir_->path; }
    static std::vector<int8_t> answers(BatchService& s, int b) { return bs_test::serve_all(s, b); }
    static bs_test::TempDir* dir_;
};
bs_test::TempDir* EmulatedGpuServing::dir_ = nullptr;

}  // namespace

TEST_F(EmulatedGpuServing, AnswersMatchTheCpuServiceAtEveryBatchSize) {
    auto cpu = make_mlp_service(ckpt(), data());
    auto gpu = make_gpu_model_service(ckpt(), data());
    EXPECT_NE(gpu->backend().find("CUDA"), std::string::npos) << gpu->backend();
    EXPECT_EQ(gpu->model(), cpu->model());
    EXPECT_EQ(gpu->sample_count(), 300);
    const std::vector<int8_t> want = answers(*cpu, 16);
    int64_t right = 0;
    for (int8_t c : want) right += c == 1;
    EXPECT_GT(right, 120) << "the trained model answers well above chance (30 of 300)";
    for (int b : {1, 7, 64, 256}) EXPECT_EQ(answers(*gpu, b), want) << "batch " << b;
}

TEST_F(EmulatedGpuServing, AStreamRecordsDeviceTimedPhasesPerRequestAndTheirEvents) {
    InferConfig c;
    c.checkpoint = ckpt();
    c.data_dir = data();
    c.mode = LoadMode::Closed;
    c.concurrency = 4;
    c.max_batch = 4;
    c.requests = 300;  // every sample once: the served accuracy is the CPU's
    c.keep_records = true;
    c.backend = "cuda";
    std::shared_ptr<BatchService> gpu = make_checkpoint_service(c);
    auto sink = std::make_shared<bs_test::EventSink>();
    const InferResult r = run_inference(c, gpu, sink);
    c.backend = "cpu";
    const InferResult ref = run_inference(c, make_checkpoint_service(c));

    EXPECT_EQ(r.completed, 300);
    EXPECT_EQ(r.checked, 300);
    EXPECT_DOUBLE_EQ(r.accuracy, ref.accuracy);
    ASSERT_EQ(r.records.size(), 300u);
    for (const RequestRecord& q : r.records) {
        // Timed by the (emulated) events around the copy, the forward pass and the copy back.
        EXPECT_GT(q.h2d_ns, 0) << q.id;
        EXPECT_GT(q.compute_ns, 0) << q.id;
        EXPECT_GT(q.d2h_ns, 0) << q.id;
        EXPECT_LE(q.h2d_ns + q.compute_ns + q.d2h_ns, q.done_ns - q.start_ns) << q.id;
        EXPECT_GE(q.batch_size, 1);
    }
    EXPECT_GT(r.mean_compute_ns, 0);

    // Per request: request, queue wait, h2d, compute, d2h on the requests lane, inside the request;
    // per batch: the batch on the server lane, and h2d, compute and d2h on the compute stream, where
    // the batch size's CUDA graph (on by default) queues them all, the copy in included.
    std::map<int64_t, std::map<Phase, Event>> per_request;
    int batches = 0, copy_lane = 0, compute_lane = 0;
    for (const Event& e : sink->events) {
        EXPECT_LE(e.start_ns, e.end_ns);
        if (e.lane.kind == LaneKind::Requests) per_request[e.id][e.phase] = e;
        if (e.lane.kind == LaneKind::Server && e.phase == Phase::Batch) ++batches;
        if (e.lane.kind == LaneKind::CopyStream) ++copy_lane;
        if (e.lane.kind == LaneKind::ComputeStream) {
            ++compute_lane;
            if (e.phase == Phase::H2D) {
                EXPECT_GT(e.bytes, 0u);
            }
        }
    }
    ASSERT_EQ(per_request.size(), 300u);
    for (const auto& [id, phases] : per_request) {
        ASSERT_EQ(phases.size(), 5u) << id;
        const Event& whole = phases.at(Phase::Request);
        for (const auto& [phase, e] : phases) {
            EXPECT_GE(e.start_ns, whole.start_ns) << id;
            EXPECT_LE(e.end_ns, whole.end_ns) << id;
        }
        EXPECT_LE(phases.at(Phase::QueueWait).end_ns, phases.at(Phase::H2D).start_ns) << id;
        EXPECT_LE(phases.at(Phase::H2D).end_ns, phases.at(Phase::Compute).start_ns) << id;
        EXPECT_LE(phases.at(Phase::Compute).end_ns, phases.at(Phase::D2H).start_ns) << id;
    }
    EXPECT_EQ(batches, r.batches);
    EXPECT_EQ(copy_lane, 0);
    EXPECT_EQ(compute_lane, 3 * r.batches);
}

TEST_F(EmulatedGpuServing, LinearModelsTakeTheTunedPath) {
    // A linear model is a stack of one Linear layer: the tuned path, with the CPU's answers.
    const model::OptimizerConfig opt;
    CheckpointInfo info;
    const auto svm = model::make_model(model::parse_model_spec("svm"), model::Shape{1, 28, 28}, 10, opt, 3);
    save_checkpoint(dir_->file("svm.ckpt"), *svm, info);
    auto cpu = make_mlp_service(dir_->file("svm.ckpt"), data());
    auto gpu = make_gpu_model_service(dir_->file("svm.ckpt"), data());
    EXPECT_NE(gpu->backend().find("tuned MLP"), std::string::npos) << gpu->backend();
    EXPECT_EQ(answers(*gpu, 32), answers(*cpu, 32));
}

TEST_F(EmulatedGpuServing, NoPluginIsAnErrorWithTheReasonNeverACpuFallback) {
    setenv("BATCHSCOPE_GPU_PLUGIN", "/nonexistent/libbatchscope_cuda.so", 1);
    InferConfig c;
    c.checkpoint = ckpt();
    c.data_dir = data();
    c.backend = "cuda";
    try {
        make_checkpoint_service(c);
        ADD_FAILURE() << "served without a GPU";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::no_device);
        EXPECT_NE(std::string(e.what()).find("GPU unavailable"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("/nonexistent/libbatchscope_cuda.so"), std::string::npos) << e.what();
    }
    c.backend = "opencl";
    EXPECT_NE(validate(c).find("cpu, cuda"), std::string::npos);
}
