// CUDA graphs (GpuBackend capture/launch, GpuMlp's serving graphs, the GPU service's use of them)
// checked WITHOUT a GPU: the fake plugin EMULATES a graph by recording the calls queued during a
// capture and running them again at each launch (fake_graph.h), with host-loop kernels. This checks
// what the core asks for (what is captured, with which pointers, the fallback and its reason, the
// CUPTI tags of a replay), not CUDA's graphs themselves. With BS_USE_REAL_PLUGIN=1 the tests that
// need no fake switch run on the real plugin and a GPU (tests/engine/gpu/run_device_checks.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <span>
#include <thread>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/engine/plugin_cupti_collector.h"
#include "emulated_serving.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;

namespace {

using bs_test::real_plugin;
using bs_test::serve_all;

class Graphs : public ::testing::Test {
protected:
    void SetUp() override { bs_test::emulate_serving_gpu(); }
    void TearDown() override {
        for (const char* v : {"BS_FAKE_GRAPH", "BS_FAKE_CUPTI", "BATCHSCOPE_GPU_PLUGIN"}) unsetenv(v);
    }
    static std::unique_ptr<GpuBackend> open() {
        std::string why;
        auto b = GpuBackend::open({}, why);
        EXPECT_TRUE(b) << why;
        return b;
    }
    // The fake's failure switches: nothing to switch on a real GPU.
    static bool skip_on_real() { return real_plugin(); }
};

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

// Exact on the fake (the same host loops run either way); to rounding on a GPU.
void expect_same_logits(const float* got, const std::vector<float>& want, const std::string& what) {
    for (size_t i = 0; i < want.size(); ++i) {
        if (real_plugin()) EXPECT_NEAR(got[i], want[i], 1e-4f * std::max(1.f, std::fabs(want[i]))) << what << " logit " << i;
        else EXPECT_EQ(got[i], want[i]) << what << " logit " << i;
    }
}

// The same 20-16-12-5 MLP twice on the device, `graphed` serving through CUDA graphs, and the
// page-locked buffers both serve from: x (64 rows in), a (plain's logits), b (graphed's).
struct PlainAndGraphed {
    explicit PlainAndGraphed(GpuBackend& g)
        : gpu(g), plain(g, kWidths, 64), graphed(g, kWidths, 64), x(g.pinned_floats(64 * 20)), a(g.pinned_floats(64 * 5)),
          b(g.pinned_floats(64 * 5)) {
        plain.load_from(cpu);
        graphed.load_from(cpu);
        graphed.set_cuda_graphs(true);
    }
    // The uncaptured path's logits for x's first `rows` rows.
    std::vector<float> plain_logits(int rows) {
        gpu.synchronize(plain.result_ready(plain.predict_pinned(x.floats(), rows, a.floats())));
        return std::vector<float>(a.floats(), a.floats() + rows * 5);
    }
    // Serves x's first `rows` rows through the graphs into `out` (b); its slot.
    int serve_graphed(int rows, PinnedBuffer* out = nullptr) {
        const int slot = graphed.predict_pinned(x.floats(), rows, (out ? *out : b).floats());
        gpu.synchronize(graphed.result_ready(slot));
        return slot;
    }

    static inline const std::vector<int> kWidths{20, 16, 12, 5};
    static inline const Mlp cpu{kWidths, 7};
    GpuBackend& gpu;
    GpuMlp plain, graphed;
    PinnedBuffer x, a, b;
};

TEST_F(Graphs, CapturedWorkRunsOnlyAtLaunchWithTheCapturedPointers) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    ASSERT_TRUE(gpu->graphs());
    PinnedBuffer in = gpu->pinned_floats(4), out = gpu->pinned_floats(4);
    DeviceBuffer d = gpu->device_floats(4);
    for (int i = 0; i < 4; ++i) in.floats()[i] = static_cast<float>(i), out.floats()[i] = -1.f;
    gpu->begin_capture(GpuStream::compute);
    gpu->copy_h2d(d.data(), in.data(), 4 * sizeof(float), GpuStream::compute);
    gpu->copy_d2h(out.data(), d.data(), 4 * sizeof(float), GpuStream::compute);
    GpuGraph g = gpu->end_capture(GpuStream::compute);
    ASSERT_TRUE(g);
    gpu->synchronize(GpuStream::compute);
    EXPECT_EQ(out.floats()[0], -1.f) << "captured work must not run during the capture";
    for (int round = 1; round <= 2; ++round) {  // each launch reads the input as it is then
        for (int i = 0; i < 4; ++i) in.floats()[i] = static_cast<float>(10 * round + i);
        gpu->launch(g, GpuStream::compute);
        gpu->synchronize(GpuStream::compute);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(out.floats()[i], static_cast<float>(10 * round + i)) << round;
    }
}

TEST_F(Graphs, AnInvalidatedCaptureEndsWithTheReasonAndTheStreamWorksAgain) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    GpuEvent outside = gpu->event();
    gpu->record(outside, GpuStream::copy);
    PinnedBuffer h = gpu->pinned_floats(1);
    DeviceBuffer d = gpu->device_floats(1);
    gpu->begin_capture(GpuStream::compute);
    try {
        gpu->wait(GpuStream::compute, outside);  // an event from outside the capture: CUDA refuses it
    } catch (const GpuError&) {
        // a real GPU may refuse the call itself; the capture must still end below
    }
    try {
        (void)gpu->end_capture(GpuStream::compute);
        ADD_FAILURE() << "an invalidated capture gave a graph";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::cuda) << e.what();
        EXPECT_NE(std::string(e.what()).find("cudaStreamEndCapture"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("Capture"), std::string::npos) << e.what();
    }
    // Not capturing any more: the copies run (in and back through two buffers: the upload reads
    // `h` when it runs, so `h` is not written again before then).
    PinnedBuffer back = gpu->pinned_floats(1);
    h.floats()[0] = 7.f;
    back.floats()[0] = 0.f;
    gpu->copy_h2d(d.data(), h.data(), sizeof(float), GpuStream::compute);
    gpu->copy_d2h(back.data(), d.data(), sizeof(float), GpuStream::compute);
    gpu->synchronize(GpuStream::compute);
    EXPECT_EQ(back.floats()[0], 7.f);
}

TEST_F(Graphs, ServingGraphsGiveTheUncapturedLogitsAtEveryBatchSize) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    PlainAndGraphed m(*gpu);
    GpuMlp& graphed = m.graphed;
    PinnedBuffer &x = m.x, &b = m.b;
    ASSERT_TRUE(graphed.cuda_graphs()) << graphed.graph_note();
    size_t graphs = 0;
    for (int rows : {1, 2, 3, 4, 64}) {
        // Four rounds with new inputs: uncaptured (the size's first batch), slot 1 captured and
        // launched, slot 0 captured and launched, slot 1 replayed.
        for (int round = 0; round < 4; ++round) {
            const auto in = random_floats(static_cast<size_t>(rows) * 20, static_cast<uint32_t>(rows * 10 + round));
            std::copy(in.begin(), in.end(), x.floats());
            const std::vector<float> want = m.plain_logits(rows);
            const int sg = m.serve_graphed(rows);
            expect_same_logits(b.floats(), want, std::string("batch ") + std::to_string(rows) + " round " + std::to_string(round));
            // The events are graph nodes: the phases of a replay are timed (host clock on the fake).
            EXPECT_GE(gpu->elapsed_ms(graphed.copy_start(sg), graphed.result_ready(sg)), 0.f);
        }
        graphs += 2;
        EXPECT_EQ(graphed.graphs_captured(), graphs) << "one graph per batch size and slot, replayed after";
    }
    EXPECT_TRUE(graphed.cuda_graphs()) << graphed.graph_note();
    EXPECT_TRUE(graphed.graph_note().empty());
    EXPECT_FALSE(m.plain.cuda_graphs());
}

// A batch size between the captured ones (5, 6, 7 after 8 was captured) is padded to the next
// graph size and replays its graph: nothing is captured on the request path, the graphs stay
// bounded, and the rows served get the uncaptured path's logits.
TEST_F(Graphs, ABatchBetweenTheGraphSizesReplaysTheNextOne) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    PlainAndGraphed m(*gpu);
    GpuMlp& graphed = m.graphed;
    PinnedBuffer &x = m.x, &b = m.b;
    ASSERT_TRUE(graphed.cuda_graphs()) << graphed.graph_note();
    EXPECT_EQ(graphed.graph_rows(3), 3);
    EXPECT_EQ(graphed.graph_rows(5), 8);
    EXPECT_EQ(graphed.graph_rows(33), 64);
    EXPECT_EQ(graphed.graph_rows(64), 64);
    const auto in = random_floats(64 * 20, 99);
    std::copy(in.begin(), in.end(), x.floats());
    for (int round = 0; round < 3; ++round)  // size 8: uncaptured, then each slot's graph
        gpu->synchronize(graphed.result_ready(graphed.predict_pinned(x.floats(), 8, b.floats())));
    ASSERT_EQ(graphed.graphs_captured(), 2u);
    for (int rows : {5, 6, 7, 5, 6, 7}) {
        const std::vector<float> want = m.plain_logits(rows);
        m.serve_graphed(rows);
        expect_same_logits(b.floats(), want, "batch " + std::to_string(rows));
        EXPECT_EQ(graphed.graphs_captured(), 2u) << "batch " << rows << " was captured";
    }
    EXPECT_THROW(graphed.predict_pinned(x.floats(), 65, b.floats()), std::invalid_argument);
}

// The rows a batch is padded with (the staging buffer's rows beyond it: an older batch's, or
// anything) never reach the rows served: their logits are the uncaptured path's, however wild the
// padding (NaN, 1e30).
TEST_F(Graphs, PaddedRowsNeverLeakIntoTheRowsServed) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    PlainAndGraphed m(*gpu);
    GpuMlp& graphed = m.graphed;
    PinnedBuffer &x = m.x, &b = m.b;
    ASSERT_TRUE(graphed.cuda_graphs()) << graphed.graph_note();
    const auto in = random_floats(64 * 20, 5);
    std::copy(in.begin(), in.end(), x.floats());
    for (int round = 0; round < 3; ++round)  // size 16: uncaptured, then each slot's graph
        gpu->synchronize(graphed.result_ready(graphed.predict_pinned(x.floats(), 16, b.floats())));
    ASSERT_EQ(graphed.graphs_captured(), 2u);
    for (const float junk : {std::nanf(""), 1e30f, -1e30f}) {
        for (int rows : {9, 13, 15}) {
            std::copy(in.begin(), in.end(), x.floats());
            const std::vector<float> want = m.plain_logits(rows);
            std::fill(x.floats() + rows * 20, x.floats() + 16 * 20, junk);  // the padding: rows..15
            std::fill(b.floats(), b.floats() + 64 * 5, -7.f);
            m.serve_graphed(rows);
            expect_same_logits(b.floats(), want, "batch " + std::to_string(rows) + " padded with " + std::to_string(junk));
            for (int i = 0; i < rows * 5; ++i) ASSERT_TRUE(std::isfinite(b.floats()[i])) << "row " << i / 5;
        }
    }
    EXPECT_EQ(graphed.graphs_captured(), 2u) << "the padded batches replayed the size-16 graphs";
    EXPECT_EQ(graphed.uncaptured_batches(), 0u);
}

// The graphs are bounded: one per graph size and slot. A caller serving from a second pair of host
// buffers once the bound is reached runs uncaptured (counted), and once frozen nothing is captured
// at all: a size never warmed runs uncaptured instead of paying for a capture.
TEST_F(Graphs, TheGraphsAreBoundedAndAFrozenModelNeverCaptures) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    PlainAndGraphed m(*gpu);
    GpuMlp& graphed = m.graphed;
    PinnedBuffer &x = m.x, &b = m.b;
    ASSERT_TRUE(graphed.cuda_graphs()) << graphed.graph_note();
    EXPECT_EQ(graphed.graph_sizes(), (std::vector<int>{1, 2, 3, 4, 8, 16, 32, 64}));
    EXPECT_EQ(graphed.max_graphs(), 16u);
    PinnedBuffer b2 = gpu->pinned_floats(64 * 5);
    const auto in = random_floats(64 * 20, 11);
    std::copy(in.begin(), in.end(), x.floats());
    for (int rows : graphed.graph_sizes())
        for (int round = 0; round < 3; ++round)
            gpu->synchronize(graphed.result_ready(graphed.predict_pinned(x.floats(), rows, b.floats())));
    ASSERT_EQ(graphed.graphs_captured(), 16u);
    const uint64_t begun = gpu->captures_begun();
    for (int rows : {1, 7, 64}) {
        const std::vector<float> want = m.plain_logits(rows);
        for (int round = 0; round < 3; ++round) {
            m.serve_graphed(rows, &b2);  // another pair of buffers
            expect_same_logits(b2.floats(), want, "batch " + std::to_string(rows) + " beyond the bound");
        }
    }
    EXPECT_EQ(graphed.graphs_captured(), 16u);
    EXPECT_EQ(gpu->captures_begun(), begun);
    EXPECT_EQ(graphed.uncaptured_batches(), 9u);
    EXPECT_TRUE(graphed.cuda_graphs()) << graphed.graph_note();

    GpuMlp frozen(*gpu, PlainAndGraphed::kWidths, 64);
    frozen.load_from(PlainAndGraphed::cpu);
    frozen.set_cuda_graphs(true);
    frozen.freeze_graphs();
    for (int round = 0; round < 3; ++round) {
        const int sg = frozen.predict_pinned(x.floats(), 5, b.floats());
        gpu->synchronize(frozen.result_ready(sg));
    }
    EXPECT_EQ(frozen.graphs_captured(), 0u);
    EXPECT_EQ(gpu->captures_begun(), begun);
    EXPECT_EQ(frozen.uncaptured_batches(), 3u);
}

TEST_F(Graphs, ACaptureOrLaunchFailureServesWithoutGraphsAndSaysWhy) {
    if (skip_on_real()) GTEST_SKIP() << "needs the fake plugin's failure switches";
    const std::vector<int> widths{8, 6, 3};
    const Mlp cpu(widths, 2);
    for (const char* mode : {"fail_capture", "fail_launch"}) {
        setenv("BS_FAKE_GRAPH", mode, 1);
        auto gpu = open();
        ASSERT_TRUE(gpu);
        GpuMlp plain(*gpu, widths, 8), graphed(*gpu, widths, 8);
        plain.load_from(cpu);
        graphed.load_from(cpu);
        graphed.set_cuda_graphs(true);
        PinnedBuffer x = gpu->pinned_floats(3 * 8), a = gpu->pinned_floats(3 * 3), b = gpu->pinned_floats(3 * 3);
        const auto in = random_floats(3 * 8, 4);
        std::copy(in.begin(), in.end(), x.floats());
        gpu->synchronize(plain.result_ready(plain.predict_pinned(x.floats(), 3, a.floats())));
        const std::vector<float> want(a.floats(), a.floats() + 9);
        for (int round = 0; round < 2; ++round) {  // the failing batch is served, and the next ones
            gpu->synchronize(graphed.result_ready(graphed.predict_pinned(x.floats(), 3, b.floats())));
            expect_same_logits(b.floats(), want, std::string(mode) + " round " + std::to_string(round));
        }
        EXPECT_FALSE(graphed.cuda_graphs()) << mode;
        const std::string note = graphed.graph_note();
        const std::string what = std::string(mode) == "fail_capture" ? "capturing" : "launching";
        EXPECT_NE(note.find(what + " a CUDA graph for a batch of 3 failed"), std::string::npos) << note;
        EXPECT_NE(note.find(std::string(mode) == "fail_capture" ? "cudaErrorStreamCaptureUnsupported"
                                                                 : "cudaErrorLaunchFailure"),
                  std::string::npos)
            << note;
        EXPECT_NE(note.find("serving without graphs"), std::string::npos) << note;
    }
}

TEST_F(Graphs, APluginWithoutGraphsServesWithoutThemAndSaysSo) {
    if (skip_on_real()) GTEST_SKIP() << "needs the fake plugin's failure switches";
    setenv("BS_FAKE_GRAPH", "none", 1);
    auto gpu = open();
    ASSERT_TRUE(gpu);
    EXPECT_FALSE(gpu->graphs());
    EXPECT_THROW(gpu->begin_capture(GpuStream::compute), GpuError);
    GpuMlp g(*gpu, {4, 2}, 2);
    g.set_cuda_graphs(true);
    EXPECT_FALSE(g.cuda_graphs());
    EXPECT_NE(g.graph_note().find("no CUDA graphs (it was built before them)"), std::string::npos) << g.graph_note();
    PinnedBuffer x = gpu->pinned_floats(4), l = gpu->pinned_floats(2);
    gpu->synchronize(g.result_ready(g.predict_pinned(x.floats(), 1, l.floats())));
}

// CUPTI: push/pop are host calls, not captured. The launch is tagged, and a replay's kernels and
// copies carry the launch's correlation id (the fake records them when they run, under the tag of
// the launching thread), so each replay's records join the batch that launched it.
TEST_F(Graphs, AReplaysCuptiRecordsCarryTheIdOfTheBatchThatLaunchedIt) {
    if (skip_on_real()) GTEST_SKIP() << "the real CUPTI's attribution of a replay is checked by the device script";
    setenv("BS_FAKE_CUPTI", "on", 1);
    auto gpu = open();
    ASSERT_TRUE(gpu);
    PluginCuptiCollector cupti(gpu->cupti_api());
    std::string why;
    ASSERT_TRUE(cupti.start(why)) << why;
    gpu->attach_cupti(&cupti);
    const std::vector<int> widths{6, 4, 3};
    GpuMlp g(*gpu, widths, 4);
    g.load_from(Mlp(widths, 1));
    g.set_cuda_graphs(true);
    PinnedBuffer x = gpu->pinned_floats(4 * 6), l = gpu->pinned_floats(4 * 3);
    std::vector<batchscope::profiler::GpuActivity> all;
    cupti.drain(all);
    all.clear();
    // 100: uncaptured (the size's first batch); 101, 102: captured (one per slot) and launched; 103: replayed.
    for (int64_t id : {100, 101, 102, 103}) {
        gpu->set_work_id(id);
        gpu->synchronize(g.result_ready(g.predict_pinned(x.floats(), 2, l.floats())));
    }
    gpu->set_work_id(-1);
    gpu->attach_cupti(nullptr);
    cupti.flush(true);
    cupti.drain(all);
    std::map<int64_t, std::map<std::string, int>> per_id;
    for (const auto& a : all) {
        const std::string what = a.kind == batchscope::profiler::GpuActivityKind::Memcpy
                                     ? (a.direction == batchscope::profiler::CopyDirection::HtoD ? "h2d" : "d2h")
                                     : a.name;
        ++per_id[a.id][what];
    }
    EXPECT_EQ(per_id.count(-1), 0u) << "every record of a replay is tagged";
    for (int64_t id : {100, 101, 102, 103}) {
        EXPECT_EQ(per_id[id]["h2d"], 1) << id;
        EXPECT_EQ(per_id[id]["d2h"], 1) << id;
        EXPECT_EQ(per_id[id]["fake_sgemm"], 2) << id;
        EXPECT_EQ(per_id[id]["fake_bias_activation"], 2) << id;
    }
    EXPECT_EQ(g.graphs_captured(), 2u);
}

// The service: graphs by default, the CPU's answers, the state in backend(), a live max-batch change.
class GraphServing : public Graphs {
protected:
    static void SetUpTestSuite() {
        dir_ = new bs_test::TempDir;
        bs_test::write_fake_fashion_mnist(dir_->path, 10, 200);
        const auto m = model::make_model(model::parse_model_spec("mlp:24,12"), model::Shape{1, 28, 28}, 10,
                                         model::OptimizerConfig{}, 11);
        save_checkpoint(dir_->file("mlp.ckpt"), *m, CheckpointInfo{});
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    static std::string ckpt() { return dir_->file("mlp.ckpt"); }
    static bs_test::TempDir* dir_;
};
bs_test::TempDir* GraphServing::dir_ = nullptr;

TEST_F(GraphServing, GraphsAreOnByDefaultAndAnswerAsTheCpu) {
    auto cpu = make_mlp_service(ckpt(), dir_->path);
    auto gpu = make_gpu_model_service(ckpt(), dir_->path);
    EXPECT_NE(gpu->backend().find(", CUDA graphs"), std::string::npos) << gpu->backend();
    EXPECT_NE(gpu->timing().find("CUDA graph"), std::string::npos) << gpu->timing();
    const std::vector<int8_t> want = serve_all(*cpu, 16);
    for (int b : {1, 2, 3, 4, 64}) EXPECT_EQ(serve_all(*gpu, b), want) << "batch " << b;
    EXPECT_NE(gpu->backend().find(", CUDA graphs"), std::string::npos) << gpu->backend();
    auto off = make_gpu_model_service(ckpt(), dir_->path, 0, {}, /*cuda_graphs=*/false);
    EXPECT_NE(off->backend().find("no CUDA graphs (--no-cuda-graphs)"), std::string::npos) << off->backend();
    EXPECT_EQ(serve_all(*off, 3), want);
}

// A padded batch's copies move the padded rows: the bytes reported (and the bandwidth worked
// out from them) are those of the copies that ran, as CUPTI sees them.
TEST_F(GraphServing, APaddedBatchReportsTheBytesItsCopiesMoved) {
    auto gpu = make_gpu_model_service(ckpt(), dir_->path);
    auto off = make_gpu_model_service(ckpt(), dir_->path, 0, {}, /*cuda_graphs=*/false);
    const std::vector<int64_t> samples{0, 1, 2, 3, 4};  // a batch of 5, served as the graph of 8
    std::vector<int8_t> correct(samples.size());
    const BatchTiming padded = gpu->serve(samples, correct);
    const BatchTiming plain = off->serve(samples, correct);
    EXPECT_EQ(plain.h2d_bytes % 5, 0u);
    EXPECT_EQ(padded.h2d_bytes, plain.h2d_bytes / 5 * 8);
    EXPECT_EQ(padded.d2h_bytes, plain.d2h_bytes / 5 * 8);
}

TEST_F(GraphServing, ACaptureFailureIsInTheBackendLineAndServingGoesOn) {
    if (skip_on_real()) GTEST_SKIP() << "needs the fake plugin's failure switches";
    setenv("BS_FAKE_GRAPH", "fail_capture", 1);
    auto cpu = make_mlp_service(ckpt(), dir_->path);
    auto gpu = make_gpu_model_service(ckpt(), dir_->path);
    const std::string b = gpu->backend();
    EXPECT_NE(b.find("no CUDA graphs: capturing a CUDA graph for a batch of 1 failed"), std::string::npos) << b;
    EXPECT_NE(b.find("cudaErrorStreamCaptureUnsupported"), std::string::npos) << b;
    EXPECT_EQ(gpu->timing().find("CUDA graph"), std::string::npos) << gpu->timing();
    EXPECT_EQ(serve_all(*gpu, 4), serve_all(*cpu, 4));
}

// The warm-up captures every graph size up to the largest max batch (whatever the run's), so a
// live max-batch change serves its new sizes from graphs captured before the stream: nothing is
// captured on the request path (no latency spike), and every answer is still the CPU's.
TEST_F(GraphServing, ALiveMaxBatchChangeCapturesNothingOnTheRequestPath) {
    InferConfig c;
    c.checkpoint = ckpt();
    c.data_dir = dir_->path;
    c.mode = LoadMode::Closed;
    c.concurrency = 8;
    c.max_batch = 1;
    c.requests = 1'000'000;  // stopped below, once batches above 1 were served: the change lands mid-stream
    c.keep_records = true;
    c.backend = "cuda";
    std::shared_ptr<BatchService> gpu = make_checkpoint_service(c);
    InferenceRun run(c, gpu);
    run.start();
    while (run.snapshot()->state != RunState::Running && !run.result())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Warmed: 10 graph sizes (1, 2, 3, 4, 8, ... 256) x 2 staging slots.
    const uint64_t warmed = gpu->gpu()->captures_begun();
    EXPECT_EQ(warmed, 20u);
    while (run.snapshot()->totals.completed < 300 && !run.result()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(run.set_max_batch(8), "");
    const int64_t at_change = run.snapshot()->totals.completed;
    while (run.snapshot()->totals.completed < at_change + 600 && !run.result())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    run.stop();
    run.wait();
    const auto r = run.result();
    ASSERT_TRUE(r);
    int64_t larger = 0;
    for (size_t b = 2; b < r->batch_sizes.size(); ++b) larger += r->batch_sizes[b];
    EXPECT_GT(larger, 0) << "batches above 1 after the change";
    EXPECT_EQ(gpu->gpu()->captures_begun(), warmed) << "a capture on the request path";
    EXPECT_NE(gpu->backend().find(", CUDA graphs (10 batch sizes up to 256, captured before the stream"), std::string::npos)
        << gpu->backend();
    EXPECT_EQ(gpu->backend().find("ran uncaptured"), std::string::npos) << gpu->backend();
    // Every answer, through whichever graph served it, is the CPU's answer for its sample.
    c.backend = "cpu";
    std::shared_ptr<BatchService> cpu = make_checkpoint_service(c);
    const std::vector<int8_t> want = serve_all(*cpu, 256);
    ASSERT_GE(r->records.size(), 900u);
    EXPECT_EQ(r->checked, r->completed);
    for (const RequestRecord& q : r->records)
        ASSERT_EQ(q.correct, want[static_cast<size_t>(q.sample)]) << "request " << q.id << ", batch of " << q.batch_size;
}

}  // namespace
