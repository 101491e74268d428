// CUPTI records feeding an inference run on a GPU service, checked WITHOUT a GPU: the fake plugin's
// fake CUPTI collector (fake_cupti.h, EMULATED) records its host-emulated kernels and copies with
// the batch id and phase the run and the service push. Checks that each request's h2d, compute
// and d2h come from its batch's records, the GPU's stream lanes, the kernel and copy tables,
// dropped records, and the fallback to CUDA events (with the reason) when CUPTI refuses, is turned
// off, or delivers nothing. Both serving paths: the tuned MLP and the layer stack. With
// BS_USE_REAL_PLUGIN=1 the first test runs on the real plugin, CUPTI and a GPU
// (run_device_checks.sh); the others need the fake's switches and skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/profiler/breakdown.h"
#include "emulated_serving.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;
using batchscope::profiler::CopyDirection;
using batchscope::profiler::Event;
using batchscope::profiler::GpuTimingMode;
using batchscope::profiler::LaneKind;
using batchscope::profiler::Phase;

namespace {

using bs_test::EventSink;
using bs_test::real_plugin;

bool stream_lane(const Event& e) { return e.lane.kind == LaneKind::CopyStream || e.lane.kind == LaneKind::ComputeStream; }

class EmulatedServingCupti : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new bs_test::TempDir;
        bs_test::write_fake_fashion_mnist(dir_->path, 200, 200);
        for (const char* spec : {"mlp:32,16", "cnn:4:fc=8"}) {
            const auto m = model::make_model(model::parse_model_spec(spec), model::Shape{1, 28, 28}, 10, {}, 2);
            save_checkpoint(dir_->file(std::string(spec).substr(0, 3) + ".ckpt"), *m, CheckpointInfo{});
        }
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    void SetUp() override {
        setenv("BS_FAKE_CUPTI", "on", 1);
        bs_test::emulate_serving_gpu();
    }
    void TearDown() override {
        for (const char* v : {"BATCHSCOPE_GPU_PLUGIN", "BS_FAKE_COMPUTE", "BS_FAKE_DEVICE_BYTES", "BS_FAKE_CUPTI",
                              "BS_FAKE_EVENT_CLOCK", "BS_FAKE_CUPTI_LAG_MS", "BS_FAKE_CUPTI_DROP_EVERY"})
            unsetenv(v);
    }
    static InferConfig config(const char* model) {
        InferConfig c;
        c.checkpoint = dir_->file(std::string(model) + ".ckpt");
        c.data_dir = dir_->path;
        c.backend = "cuda";
        c.mode = LoadMode::Closed;
        c.concurrency = 4;
        c.max_batch = 4;
        c.requests = 200;
        c.keep_records = true;
        return c;
    }
    static bs_test::TempDir* dir_;
};
bs_test::TempDir* EmulatedServingCupti::dir_ = nullptr;

// The checks every CUPTI-traced stream passes.
// `graphs`: the tuned path replaying CUDA graphs, whose copies run on the compute stream and whose
// launch is tagged compute (CUPTI's external ids are host calls, never captured).
void expect_phases_from_records(const InferResult& r, const std::vector<Event>& events, bool layer_stack,
                                bool graphs = false) {
    ASSERT_EQ(r.gpu_timing.mode, GpuTimingMode::Cupti) << r.gpu_timing.describe();
    EXPECT_NE(r.timing.find("CUPTI activity records"), std::string::npos) << r.timing;
    EXPECT_EQ(r.completed, 200);
    EXPECT_EQ(r.batches_from_records, r.batches);
    EXPECT_EQ(r.batches_from_events, 0);

    // The GPU's lanes come from the records only: every stream-lane event carries the batch's id and
    // the phase its launch was tagged with (CUDA-event lanes would carry no tag).
    std::map<int64_t, std::vector<Event>> per_batch;
    int h2d = 0, kernels = 0, d2h = 0;
    for (const Event& e : events) {
        if (!stream_lane(e)) continue;
        EXPECT_GE(e.id, 0);
        EXPECT_NE(e.tag, 0) << "a stream-lane event not from a tagged record";
        per_batch[e.id].push_back(e);
        if (e.phase == Phase::H2D) {
            ++h2d;
            EXPECT_TRUE(batchscope::profiler::tagged_as(e, graphs ? Phase::Compute : Phase::H2D));
            EXPECT_EQ(e.lane.kind, LaneKind::CopyStream);  // copies are drawn as copies, whichever stream ran them
        } else if (e.phase == Phase::D2H) {
            ++d2h;
            // The layer stack tags its copy back d2h; the tuned path queues it inside its forward pass.
            EXPECT_TRUE(batchscope::profiler::tagged_as(e, layer_stack ? Phase::D2H : Phase::Compute));
        } else {
            ++kernels;
            EXPECT_TRUE(batchscope::profiler::tagged_as(e, Phase::Compute));
        }
    }
    EXPECT_EQ(static_cast<int64_t>(per_batch.size()), r.batches);
    EXPECT_EQ(h2d, r.batches);  // one copy in and one copy back per batch
    EXPECT_EQ(d2h, r.batches);
    EXPECT_GE(kernels, 2 * r.batches);

    // Each request's phases are its batch's records, priority-ordered on the host clock over the
    // batch's window; they sum within the batch's time.
    ASSERT_EQ(r.records.size(), 200u);
    std::map<int64_t, int64_t> batch_of;  // request id -> batch id
    for (const RequestRecord& q : r.records) {
        auto it = per_batch.upper_bound(q.id);
        ASSERT_NE(it, per_batch.begin()) << q.id;
        --it;  // the batch whose first request is the largest id <= q.id
        const batchscope::profiler::Breakdown want = batchscope::profiler::compute_breakdown(q.start_ns, q.done_ns, it->second);
        EXPECT_EQ(q.h2d_ns, want.h2d_ns) << q.id;
        EXPECT_EQ(q.compute_ns, want.compute_ns) << q.id;
        EXPECT_EQ(q.d2h_ns, want.d2h_ns) << q.id;
        EXPECT_GT(q.h2d_ns, 0) << q.id;
        EXPECT_GT(q.compute_ns, 0) << q.id;
        EXPECT_GT(q.d2h_ns, 0) << q.id;
        EXPECT_LE(q.h2d_ns + q.compute_ns + q.d2h_ns, q.done_ns - q.start_ns) << q.id;
        // The records lie inside the batch, on the host clock (a real CUPTI clock is fitted: 20 us).
        const int64_t slack = real_plugin() ? 20'000 : 0;
        for (const Event& e : it->second) {
            EXPECT_GE(e.start_ns, q.start_ns - slack) << q.id;
            EXPECT_LE(e.end_ns, q.done_ns + slack) << q.id;
        }
    }
    // The requests lane: each request's phases as recorded, in order, inside the request.
    std::map<int64_t, std::map<Phase, Event>> per_request;
    for (const Event& e : events)
        if (e.lane.kind == LaneKind::Requests) per_request[e.id][e.phase] = e;
    ASSERT_EQ(per_request.size(), 200u);
    for (const RequestRecord& q : r.records) {
        const auto& p = per_request[q.id];
        ASSERT_EQ(p.size(), 5u) << q.id;
        EXPECT_EQ(p.at(Phase::H2D).duration_ns(), q.h2d_ns) << q.id;
        EXPECT_EQ(p.at(Phase::Compute).duration_ns(), q.compute_ns) << q.id;
        EXPECT_LE(p.at(Phase::H2D).end_ns, p.at(Phase::Compute).start_ns) << q.id;
        EXPECT_LE(p.at(Phase::Compute).start_ns, p.at(Phase::D2H).start_ns) << q.id;
    }

    // The device view: the kernel table and the copy table (both directions, pinned, GB/s).
    EXPECT_FALSE(r.device.name.empty());
    EXPECT_FALSE(r.device.kernels.empty());
    EXPECT_GT(r.device.cupti_records, 0u);
    EXPECT_EQ(r.device.cupti_dropped, 0u);
    bool in = false, out = false;
    for (const auto& c : r.device.copies) {
        EXPECT_TRUE(c.pinned);
        EXPECT_GT(c.gb_per_s(), 0.0);
        if (c.direction == CopyDirection::HtoD) in = c.calls == r.batches && c.bytes == uint64_t{200} * 784 * 4;
        if (c.direction == CopyDirection::DtoH) out = c.calls == r.batches && c.bytes == uint64_t{200} * 10 * 4;
    }
    EXPECT_TRUE(in && out) << "one copy in and one back per batch, of the batch's bytes";
}

}  // namespace

TEST_F(EmulatedServingCupti, EachRequestsPhasesComeFromItsBatchsRecordsOnBothPaths) {
    struct Case {
        const char* model;
        bool graphs;  // the tuned path with CUDA graphs (the default) or without
    };
    for (const Case k : {Case{"mlp", true}, Case{"mlp", false}, Case{"cnn", false}}) {
        const char* model = k.model;
        SCOPED_TRACE(std::string(model) + (k.graphs ? ", CUDA graphs" : ""));
        InferConfig c = config(model);
        c.cuda_graphs = k.graphs;
        std::shared_ptr<BatchService> gpu = make_checkpoint_service(c);
        InferConfig cpu = c;
        cpu.backend = "cpu";
        const InferResult ref = run_inference(cpu, make_checkpoint_service(cpu));
        for (int run = 0; run < 2; ++run) {  // a second stream on the same service is traced too (sweeps)
            auto sink = std::make_shared<EventSink>();
            const InferResult r = run_inference(c, gpu, sink);
            if (real_plugin() && r.gpu_timing.mode != GpuTimingMode::Cupti) GTEST_SKIP() << r.gpu_timing.describe();
            expect_phases_from_records(r, sink->events, std::string(model) == "cnn", k.graphs);
            EXPECT_DOUBLE_EQ(r.accuracy, ref.accuracy);
        }
    }
}

TEST_F(EmulatedServingCupti, LateRecordsAreWaitedFor) {
    if (real_plugin()) GTEST_SKIP() << "needs the fake CUPTI's switches";
    setenv("BS_FAKE_CUPTI_LAG_MS", "30", 1);  // records handed out 30 ms after they end
    InferConfig c = config("cnn");
    c.mode = LoadMode::Constant;  // spread over ~0.4 s: batches wait for records while others are served
    c.rate = 500;
    auto sink = std::make_shared<EventSink>();
    InferenceRun run(c, make_checkpoint_service(c));
    run.set_sink(sink);
    run.start();
    run.wait();
    ASSERT_EQ(run.snapshot()->state, RunState::Finished) << run.snapshot()->message;
    EXPECT_EQ(run.snapshot()->message, "finished");  // every batch got its records
    expect_phases_from_records(*run.result(), sink->events, true);
}

TEST_F(EmulatedServingCupti, CuptiRefusedOrTurnedOffGivesCudaEventsWithTheReason) {
    if (real_plugin()) GTEST_SKIP() << "needs the fake CUPTI's switches";
    for (const bool refuse : {true, false}) {
        SCOPED_TRACE(refuse ? "refused" : "turned off");
        InferConfig c = config("cnn");
        if (refuse) setenv("BS_FAKE_CUPTI", "refuse", 1);
        else c.cupti = false;
        auto sink = std::make_shared<EventSink>();
        const InferResult r = run_inference(c, make_checkpoint_service(c), sink);
        EXPECT_EQ(r.gpu_timing.mode, GpuTimingMode::CudaEvents);
        const std::string why = refuse ? "another profiler" : "turned off by the user";
        EXPECT_NE(r.gpu_timing.reason.find(why), std::string::npos) << r.gpu_timing.reason;
        EXPECT_NE(r.timing.find("CUDA events"), std::string::npos) << r.timing;
        EXPECT_NE(r.timing.find("CUPTI unavailable: "), std::string::npos) << r.timing;
        EXPECT_NE(r.timing.find(why), std::string::npos) << r.timing;
        EXPECT_TRUE(r.device.kernels.empty());
        EXPECT_EQ(r.device.cupti_records, 0u);
        EXPECT_EQ(r.batches_from_records, 0);
        EXPECT_EQ(r.completed, 200);
        for (const RequestRecord& q : r.records) EXPECT_GT(q.compute_ns, 0);  // the CUDA events' times
        // The layer stack's service copies in on the compute stream: its h2d is drawn there.
        int copy_lane = 0, h2d_on_compute = 0;
        for (const Event& e : sink->events) {
            if (!stream_lane(e)) continue;
            EXPECT_EQ(e.tag, 0);  // placed from CUDA events, not records
            copy_lane += e.lane.kind == LaneKind::CopyStream;
            h2d_on_compute += e.lane.kind == LaneKind::ComputeStream && e.phase == Phase::H2D;
        }
        EXPECT_EQ(copy_lane, 0);
        EXPECT_EQ(h2d_on_compute, r.batches);
    }
}

TEST_F(EmulatedServingCupti, LostRecordsAreCountedAndSaidAndBatchesWithoutAnyKeepTheirCudaEventTimes) {
    if (real_plugin()) GTEST_SKIP() << "needs the fake CUPTI's switches";
    {
        setenv("BS_FAKE_CUPTI_DROP_EVERY", "7", 1);
        InferenceRun run(config("cnn"), nullptr);
        run.start();
        run.wait();
        const auto s = run.snapshot();
        ASSERT_EQ(s->state, RunState::Finished) << s->message;
        EXPECT_EQ(s->totals.gpu_timing.mode, GpuTimingMode::Cupti);
        EXPECT_GT(s->totals.device.cupti_dropped, 0u);
        EXPECT_NE(s->message.find("CUPTI lost " + std::to_string(s->totals.device.cupti_dropped)), std::string::npos)
            << s->message;
    }
    setenv("BS_FAKE_CUPTI_DROP_EVERY", "1", 1);  // nothing arrives
    InferenceRun run(config("mlp"), nullptr);
    run.start();
    run.wait();
    const auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    const InferResult& r = *run.result();
    EXPECT_EQ(r.completed, 200);
    EXPECT_EQ(r.batches_from_records, 0);
    EXPECT_EQ(r.batches_from_events, r.batches);
    for (const RequestRecord& q : r.records) EXPECT_GT(q.compute_ns, 0);
    EXPECT_NE(s->message.find(std::to_string(r.batches) + " batches had no CUPTI record and were timed with CUDA events"),
              std::string::npos)
        << s->message;
}
