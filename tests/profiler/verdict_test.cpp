#include <gtest/gtest.h>

#include "batchscope/profiler/verdict.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using batchscope::profiler::test::iterations;

namespace {

WindowSummary window(int64_t wall, int64_t wait, int64_t compute, int64_t h2d = 0, int64_t d2h = 0, int batch = 128) {
    const auto its = iterations(0, 10, batch, wall, wait, compute, h2d, d2h);
    return summarize(its);
}

PipelineContext knobs(int batch, int prefetch, int workers) {
    PipelineContext c;
    c.batch_size = batch;
    c.prefetch_depth = prefetch;
    c.workers = workers;
    return c;
}

const Advice* find(const Verdict& v, const std::string& knob) {
    for (const Advice& a : v.advice)
        if (a.knob == knob) return &a;
    return nullptr;
}

}  // namespace

TEST(Verdict, ThresholdsOfInputBound) {
    EXPECT_EQ(classify(window(1000, 200, 700)), Bottleneck::InputBound);         // exactly 20%
    EXPECT_EQ(classify(window(1000, 199, 700)), Bottleneck::PartlyInputBound);   // just under
    EXPECT_EQ(classify(window(1000, 50, 900)), Bottleneck::PartlyInputBound);    // exactly 5%
    EXPECT_EQ(classify(window(1000, 49, 900)), Bottleneck::ComputeBound);
    EXPECT_EQ(classify(WindowSummary{}), Bottleneck::Unknown);
}

TEST(Verdict, LargestOtherPartDecides) {
    EXPECT_EQ(classify(window(1000, 0, 300, 400, 100)), Bottleneck::CopyBound);  // copy = h2d + d2h
    EXPECT_EQ(classify(window(1000, 0, 300, 100, 0)), Bottleneck::HostBound);    // host 600
    EXPECT_EQ(classify(window(1000, 0, 600, 100, 0)), Bottleneck::ComputeBound);
}

TEST(Verdict, SlowLoaderAsksForWorkersWithTheNumberThatKeepsUp) {
    // Step 10 ms of which 6 ms wait: the trainer uses a batch every 4 ms; a batch takes
    // 11 ms to build (2 workers): 3 workers keep up.
    PipelineContext c = knobs(128, 4, 2);
    c.loader_busy_ns = 110'000'000;
    c.batches_loaded = 10;
    const Verdict v = judge(window(10'000'000, 6'000'000, 4'000'000), c);
    EXPECT_EQ(v.bottleneck, Bottleneck::InputBound);
    const Advice* a = find(v, "workers");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->from, 2);
    EXPECT_EQ(a->to, 3);
    EXPECT_NE(a->text.find("loader workers 2 → 3"), std::string::npos) << a->text;
    EXPECT_EQ(v.advice.front().knob, "workers");
    EXPECT_NE(v.headline.find("60%"), std::string::npos) << v.headline;
}

TEST(Verdict, LoaderThatKeepsUpOnAverageAsksForDeeperPrefetch) {
    PipelineContext c = knobs(128, 1, 4);
    c.loader_busy_ns = 40'000'000;  // 4 ms per batch, 4 workers: 1 ms per batch >> 7 ms per step
    c.batches_loaded = 10;
    const Verdict v = judge(window(10'000'000, 3'000'000, 7'000'000), c);
    ASSERT_FALSE(v.advice.empty());
    EXPECT_EQ(v.advice.front().knob, "prefetch_depth");
    EXPECT_EQ(v.advice.front().from, 1);
    EXPECT_EQ(v.advice.front().to, 4);
    EXPECT_NE(v.advice.front().text.find("prefetch depth 1 → 4"), std::string::npos);
    EXPECT_EQ(find(v, "workers"), nullptr);
}

TEST(Verdict, NoWorkersAsksForWorkersAndWorkerCapRespectsCores) {
    PipelineContext c = knobs(128, 0, 0);
    c.cpu_cores = 2;
    c.loader_busy_ns = 100'000'000;
    c.batches_loaded = 10;  // 10 ms per batch vs 1 ms consumption: 10 needed, capped at 2 cores
    const Verdict v = judge(window(10'000'000, 9'000'000, 1'000'000), c);
    const Advice* a = find(v, "workers");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->from, 0);
    EXPECT_EQ(a->to, 2);
}

TEST(Verdict, UnknownLoaderCostGivesPrefetchThenAWorker) {
    const Verdict v = judge(window(1000, 100, 800), knobs(64, 2, 2));
    EXPECT_EQ(v.bottleneck, Bottleneck::PartlyInputBound);
    ASSERT_EQ(v.advice.size(), 2u);
    EXPECT_EQ(v.advice[0].knob, "prefetch_depth");
    EXPECT_EQ(v.advice[0].to, 4);
    EXPECT_EQ(v.advice[1].knob, "workers");
    EXPECT_EQ(v.advice[1].to, 3);
}

TEST(Verdict, CopyBoundAdvisesPinnedBuffersAndBiggerBatches) {
    PipelineContext c = knobs(32, 2, 2);
    c.gpu = true;
    c.pinned_host_buffers = false;
    const Verdict v = judge(window(1000, 0, 200, 600, 100, 32), c);
    EXPECT_EQ(v.bottleneck, Bottleneck::CopyBound);
    ASSERT_EQ(v.advice.size(), 2u);
    EXPECT_EQ(v.advice[0].knob, "pinned_memory");
    EXPECT_NE(v.advice[0].text.find("page-locked"), std::string::npos);
    EXPECT_EQ(v.advice[1].knob, "batch_size");
    EXPECT_EQ(v.advice[1].to, 128);
}

TEST(Verdict, HostAndSmallGpuBatchesAskForBatch32To128) {
    const Verdict host = judge(window(1000, 0, 200, 0, 0, 32), knobs(32, 2, 2));
    EXPECT_EQ(host.bottleneck, Bottleneck::HostBound);
    ASSERT_EQ(host.advice.size(), 1u);
    EXPECT_NE(host.advice[0].text.find("batch size 32 → 128"), std::string::npos) << host.advice[0].text;

    PipelineContext gpu = knobs(32, 2, 2);
    gpu.gpu = true;
    const Verdict compute = judge(window(1000, 0, 900, 0, 0, 32), gpu);
    EXPECT_EQ(compute.bottleneck, Bottleneck::ComputeBound);
    ASSERT_EQ(compute.advice.size(), 1u);
    EXPECT_EQ(compute.advice[0].to, 128);
    // Compute-bound on the CPU at a decent batch: nothing to turn.
    EXPECT_TRUE(judge(window(1000, 0, 900), knobs(128, 2, 2)).advice.empty());
}
