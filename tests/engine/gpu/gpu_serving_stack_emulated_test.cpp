// Serving the models the tuned GPU path does not serve (GELU MLPs, dropout, CNNs) on the layer
// stack path, checked WITHOUT a GPU: the fake plugin's host-emulated kernels (EMULATED: for the
// calls and the answers, never for timing). Answers and logits against the CPU; the backend string
// names the path; an out-of-memory batch names the largest batch that should fit and leaves the
// service usable; a live max-batch change beyond the device ends the run with that error.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/model/gpu_model.h"
#include "emulated_serving.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;

namespace {

using bs_test::real_plugin;

class EmulatedStackServing : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new bs_test::TempDir;
        bs_test::write_fake_fashion_mnist(dir_->path, 300, 300);
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    void SetUp() override { bs_test::emulate_serving_gpu(); }
    void TearDown() override {
        for (const char* v : {"BATCHSCOPE_GPU_PLUGIN", "BS_FAKE_COMPUTE", "BS_FAKE_EVENT_CLOCK", "BS_FAKE_DEVICE_BYTES"})
            unsetenv(v);
    }

    // A checkpoint of `spec` (untrained: the answers and logits only have to match the CPU's).
    static std::string checkpoint(const std::string& spec, uint64_t seed = 5) {
        const auto m = model::make_model(model::parse_model_spec(spec), model::Shape{1, 28, 28}, 10, {}, seed);
        const std::string path = dir_->file("m" + std::to_string(std::hash<std::string>{}(spec)) + ".ckpt");
        save_checkpoint(path, *m, CheckpointInfo{});
        return path;
    }
    static std::vector<int8_t> answers(BatchService& s, int b) { return bs_test::serve_all(s, b); }
    static bs_test::TempDir* dir_;
};
bs_test::TempDir* EmulatedStackServing::dir_ = nullptr;

const char* const kStackSpecs[] = {"mlp:32,16:gelu", "mlp:24:gelu:dropout=0.3", "cnn:4:fc=8",
                                   "cnn:4,6:gelu:fc=12:dropout=0.25"};

}  // namespace

TEST_F(EmulatedStackServing, EveryModelIsServedWithTheCpuAnswersAtBatch1To256) {
    for (const char* spec : kStackSpecs) {
        SCOPED_TRACE(spec);
        const std::string ck = checkpoint(spec);
        auto cpu = make_mlp_service(ck, dir_->path);
        std::unique_ptr<BatchService> gpu;
        ASSERT_NO_THROW(gpu = make_gpu_model_service(ck, dir_->path));
        EXPECT_NE(gpu->backend().find("CUDA"), std::string::npos) << gpu->backend();
        EXPECT_NE(gpu->backend().find("layer stack"), std::string::npos) << gpu->backend();
        EXPECT_NE(gpu->gpu(), nullptr);
        EXPECT_EQ(gpu->model(), cpu->model());
        const std::vector<int8_t> want = answers(*cpu, 16);
        for (int b : {1, 3, 64, 256}) EXPECT_EQ(answers(*gpu, b), want) << "batch " << b;
    }
    // The tuned path keeps what it serves, and says so (a ReLU MLP with dropout: dropout is off).
    for (const char* spec : {"mlp:32,16", "mlp:16:dropout=0.5", "logreg"}) {
        const std::string ck = checkpoint(spec);
        auto gpu = make_gpu_model_service(ck, dir_->path);
        EXPECT_NE(gpu->backend().find("tuned MLP"), std::string::npos) << spec << ": " << gpu->backend();
        EXPECT_EQ(answers(*gpu, 32), answers(*make_mlp_service(ck, dir_->path), 32)) << spec;
    }
}

// The logits themselves (not only their arg-max) from the layer stack's serving forward pass on the
// GPU layer backend, dropout off, against the CPU model's predict().
TEST_F(EmulatedStackServing, TheDeviceForwardPassGivesTheCpuLogits) {
    for (const char* spec : kStackSpecs) {
        SCOPED_TRACE(spec);
        const model::ModelSpec ms = model::parse_model_spec(spec);
        const model::Shape in{1, 28, 28};
        const auto cpu = model::make_model(ms, in, 10, {}, 9);
        std::string why;
        std::unique_ptr<GpuBackend> g = GpuBackend::open({}, why);
        ASSERT_TRUE(g) << why;
        GpuBackend& gpu = *g;
        auto dev = model::make_network(ms, in, 10, {}, 1, model::make_gpu_layer_backend(std::move(g)));
        const auto params = cpu->parameters();
        for (size_t i = 0; i < params.size(); ++i) dev->set_parameter(i, params[i].values);
        EXPECT_EQ(cpu->device_forward(nullptr, 1), nullptr) << "the CPU serves through predict()";
        for (int b : {1, 5, 256}) {
            std::vector<float> x(static_cast<size_t>(b) * 784);
            for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 1.5f;
            std::vector<float> want(static_cast<size_t>(b) * 10), got(want.size());
            model::InferWorkspace ws;
            cpu->predict(x.data(), b, want.data(), ws);
            DeviceBuffer xd = gpu.device_floats(x.size());
            gpu.copy_h2d(xd.data(), x.data(), x.size() * sizeof(float), GpuStream::compute);
            const float* z = dev->device_forward(xd.floats(), b);
            ASSERT_NE(z, nullptr);
            gpu.copy_d2h(got.data(), z, got.size() * sizeof(float), GpuStream::compute);
            gpu.synchronize(GpuStream::compute);
            for (size_t i = 0; i < want.size(); ++i)
                ASSERT_NEAR(got[i], want[i], 1e-4f * (1.f + std::fabs(want[i]))) << "batch " << b << " logit " << i;
        }
    }
}

TEST_F(EmulatedStackServing, AnOutOfMemoryBatchNamesTheLargestBatchThatFitsAndTheServiceGoesOn) {
    if (real_plugin()) GTEST_SKIP() << "needs the fake plugin's device budget";
    const std::string ck = checkpoint("cnn:8:fc=16");
    auto cpu = make_mlp_service(ck, dir_->path);
    setenv("BS_FAKE_DEVICE_BYTES", "4000000", 1);  // ~4 MB: a batch of 256 (~18 MB of outputs) does not fit
    auto gpu = make_gpu_model_service(ck, dir_->path);
    EXPECT_EQ(answers(*gpu, 8), answers(*cpu, 8));
    std::vector<int64_t> samples(256);
    for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<int64_t>(i);
    std::vector<int8_t> correct(samples.size());
    try {
        gpu->serve(samples, correct);
        ADD_FAILURE() << "a batch of 256 was served in 4 MB";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::out_of_memory) << e.what();
        const std::string w = e.what();
        EXPECT_NE(w.find("out of GPU memory serving a batch of 256"), std::string::npos) << w;
        const size_t at = w.find("the largest batch that should fit is ");
        ASSERT_NE(at, std::string::npos) << w;
        const int fit = std::atoi(w.c_str() + at + 37);
        EXPECT_GT(fit, 8) << w;
        EXPECT_LT(fit, 256) << w;
        EXPECT_NE(w.find("lower the maximum batch"), std::string::npos) << w;
        // The estimate is honest: a batch a little under it is served, with the CPU's answers.
        EXPECT_EQ(answers(*gpu, fit * 9 / 10), answers(*cpu, fit * 9 / 10)) << w;
    }
    // Smaller batches still work after the failure (the outputs given back are asked for again).
    EXPECT_EQ(answers(*gpu, 4), answers(*cpu, 4));
}

// A live max-batch change to a batch the device cannot hold: the run fails with the device's
// error and the largest batch that should fit, never a crash or a silent CPU fallback.
TEST_F(EmulatedStackServing, ALiveMaxBatchChangeBeyondTheDeviceFailsTheRunClearly) {
    if (real_plugin()) GTEST_SKIP() << "needs the fake plugin's device budget";
    InferConfig c;
    c.checkpoint = checkpoint("cnn:8:fc=16");
    c.data_dir = dir_->path;
    c.backend = "cuda";
    c.mode = LoadMode::Closed;
    c.concurrency = 256;
    c.requests = 0;  // until stopped
    c.max_batch = 2;
    setenv("BS_FAKE_DEVICE_BYTES", "4000000", 1);
    InferenceRun run(c, make_checkpoint_service(c));
    run.start();
    while (run.snapshot()->totals.completed < 20 && run.snapshot()->state != RunState::Failed)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(run.set_max_batch(256), "");
    for (int i = 0; i < 2000 && run.snapshot()->state == RunState::Running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    run.stop();
    run.wait();
    const auto s = run.snapshot();
    EXPECT_EQ(s->state, RunState::Failed);
    EXPECT_GE(s->totals.completed, 20);
    EXPECT_NE(s->message.find("serving failed: out of GPU memory serving a batch of"), std::string::npos) << s->message;
    EXPECT_NE(s->message.find("the largest batch that should fit is"), std::string::npos) << s->message;
}
