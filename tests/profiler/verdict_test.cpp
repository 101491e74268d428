#include <gtest/gtest.h>

#include "batchscope/profiler/verdict.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using batchscope::profiler::test::iterations;
using batchscope::knobs::Knob;

namespace {

constexpr int64_t kMs = 1'000'000;

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

// The loader's work over the 10 batches of a window: per batch `read` (waiting on storage when
// `waits`) and `cpu` (decode) milliseconds.
void loader(PipelineContext& c, double read_ms, double cpu_ms, bool waits, int parallelism = 32) {
    c.batches_loaded = 10;
    c.read_ns = static_cast<int64_t>(read_ms * 10 * kMs);
    c.decode_ns = static_cast<int64_t>(cpu_ms * 10 * kMs);
    c.read_waits = waits;
    c.storage_parallelism = parallelism;
}

const Advice* find(const Verdict& v, Knob knob) {
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

// Rule: the queue runs dry while the workers idle -> a deeper queue.
TEST(Verdict, QueueDryWhileWorkersIdleAsksForDeeperPrefetch) {
    // Step 10 ms: 3 ms wait, 7 ms compute. A batch takes 4 ms of CPU work; 2 workers deliver one
    // every 2 ms and are busy 4 / (2 x 10) = 20% of the time; 60% of the steps found the queue empty.
    PipelineContext c = knobs(128, 1, 2);
    c.cpu_cores = 8;
    loader(c, 0, 4, false);
    c.queue_dry_share = 0.6;
    const Verdict v = judge(window(10 * kMs, 3 * kMs, 7 * kMs), c);
    EXPECT_EQ(v.bottleneck, Bottleneck::InputBound);
    ASSERT_EQ(v.advice.size(), 1u);
    const Advice& a = v.advice.front();
    EXPECT_EQ(a.knob, Knob::PrefetchDepth);
    EXPECT_EQ(a.from, 1);
    EXPECT_EQ(a.to, 4);
    EXPECT_NE(a.text.find("prefetch depth 1 → 4"), std::string::npos) << a.text;
    // Built ahead, the step is the trainer's own 7 ms: 128 / 7 ms = 18,286 samples/s, no wait.
    ASSERT_TRUE(a.expected.valid());
    EXPECT_NEAR(a.expected.step_ns, 7e6, 1);
    EXPECT_NEAR(a.expected.samples_per_s, 128 / 7e-3, 1);
    EXPECT_NEAR(a.expected.data_wait_share, 0, 1e-9);
    EXPECT_FALSE(a.expected.reason.empty());
    EXPECT_NE(v.diagnosis.find("busy 20%"), std::string::npos) << v.diagnosis;
    EXPECT_NE(v.diagnosis.find("empty at the start of 60%"), std::string::npos) << v.diagnosis;
}

// The same window with the queue full at every step: the wait is not a dry queue.
TEST(Verdict, WaitWithAFullQueueAndIdleWorkersGetsNoAdvice) {
    PipelineContext c = knobs(128, 4, 2);
    c.cpu_cores = 8;
    loader(c, 0, 4, false);
    c.queue_dry_share = 0.0;
    const Verdict v = judge(window(10 * kMs, 1 * kMs, 9 * kMs), c);
    EXPECT_EQ(v.bottleneck, Bottleneck::PartlyInputBound);
    EXPECT_TRUE(v.advice.empty());
    EXPECT_NE(v.note.find("hand-off"), std::string::npos) << v.note;
}

// The same hand-off at a small batch: a larger batch pays it once for more samples. Step 1 ms at
// batch 16: 0.10 ms wait, 0.88 ms compute, 0.02 ms host; forward passes timed at 16 and 64: 2.5x.
TEST(Verdict, HandOffWaitAtASmallBatchAdvisesALargerBatch) {
    PipelineContext c = knobs(16, 2, 2);
    c.cpu_cores = 4;
    c.queue_dry_share = 0.0;
    c.compute_profile = {{16, 400'000}, {64, 1'000'000}};
    const WindowSummary w = window(1 * kMs, kMs / 10, 88 * kMs / 100, 0, 0, 16);
    // The workers keep up: 0.2 ms of decoding a batch, one every 0.1 ms from 2 workers.
    loader(c, 0, 0.2, false);
    Verdict v = judge(w, c);
    EXPECT_EQ(v.bottleneck, Bottleneck::PartlyInputBound);
    ASSERT_EQ(v.advice.size(), 1u) << v.note;
    EXPECT_EQ(v.advice[0].knob, Knob::BatchSize);
    EXPECT_EQ(v.advice[0].to, 64);
    EXPECT_TRUE(v.note.empty());
    // 0.02 + 2.5 x 0.88 = 2.22 ms of the trainer's own, and the 0.10 ms hand-off stays: 2.32 ms.
    EXPECT_NEAR(v.advice[0].expected.step_ns, 2.32e6, 1e-3);
    EXPECT_NEAR(v.advice[0].expected.data_wait_share, 0.1 / 2.32, 1e-9);
    EXPECT_NE(v.advice[0].expected.reason.find("hand-off's 0.10 ms per step stays"), std::string::npos)
        << v.advice[0].expected.reason;

    // 1.4 ms a batch (one every 0.7 ms, busy 70%): four times larger batches come every 2.8 ms,
    // after the trainer's 2.22 ms: the step is the loader's.
    loader(c, 0, 1.4, false);
    v = judge(w, c);
    ASSERT_EQ(v.advice.size(), 1u) << v.note;
    EXPECT_NEAR(v.advice[0].expected.step_ns, 2.8e6, 1e-3);
}

// Rule: workers saturated, loading mostly waiting on storage -> more workers, beyond the cores.
TEST(Verdict, SaturatedWorkersWaitingOnStorageGoBeyondTheCores) {
    // Step 10 ms: 6 ms wait, 4 ms compute. A batch: 18 ms storage wait + 2 ms CPU = 20 ms;
    // 2 workers are busy 20 / (2 x 10) = 100%. 5 workers deliver one every 4 ms = the trainer's pace.
    PipelineContext c = knobs(128, 4, 2);
    c.cpu_cores = 2;
    loader(c, 18, 2, true);
    c.queue_dry_share = 1.0;
    const Verdict v = judge(window(10 * kMs, 6 * kMs, 4 * kMs), c);
    ASSERT_FALSE(v.advice.empty());
    const Advice& a = v.advice.front();
    EXPECT_EQ(a.knob, Knob::Workers);
    EXPECT_EQ(a.from, 2);
    EXPECT_EQ(a.to, 5);
    EXPECT_NE(a.text.find("beyond the core count"), std::string::npos) << a.text;
    EXPECT_NEAR(a.expected.step_ns, 4e6, 1);
    EXPECT_NEAR(a.expected.samples_per_s, 32000, 1e-6);
    EXPECT_NEAR(a.expected.data_wait_share, 0, 1e-9);
    EXPECT_EQ(find(v, Knob::PrefetchDepth), nullptr);  // a deeper queue cannot help saturated workers
    EXPECT_NE(v.diagnosis.find("busy 100%"), std::string::npos) << v.diagnosis;
    EXPECT_NE(v.diagnosis.find("90% of it waiting on storage"), std::string::npos) << v.diagnosis;
}

// ... unless the storage serves no more reads at once: then only faster storage helps.
TEST(Verdict, StorageThatServesOneReadAtATimeAsksForFasterStorage) {
    // A batch: 10 ms of reading on a one-head disk; 2 workers get one every 10 ms whatever their number.
    PipelineContext c = knobs(128, 4, 2);
    c.cpu_cores = 2;
    loader(c, 10, 0, true, 1);
    c.storage = "HDD 7200 rpm (emulated)";
    const Verdict v = judge(window(10 * kMs, 6 * kMs, 4 * kMs), c);
    EXPECT_TRUE(v.advice.empty());
    EXPECT_NE(v.note.find("only faster storage helps"), std::string::npos) << v.note;
    EXPECT_NE(v.note.find("serves 1 reads at once"), std::string::npos) << v.note;
}

// Rule: workers saturated with CPU work and the cores used up -> no knob; say what would help.
TEST(Verdict, SaturatedCpuBoundLoaderOnUsedUpCoresSaysNoKnobHelps) {
    // A batch: 20 ms of decoding; 2 workers on 2 cores deliver one every 10 ms; the trainer's 4 ms
    // of compute on top: (4 + 20) / (2 x 10) = 120% of the cores.
    PipelineContext c = knobs(128, 4, 2);
    c.cpu_cores = 2;
    loader(c, 0, 20, false);
    c.queue_dry_share = 1.0;
    const Verdict v = judge(window(10 * kMs, 6 * kMs, 4 * kMs), c);
    EXPECT_EQ(v.bottleneck, Bottleneck::InputBound);
    EXPECT_TRUE(v.advice.empty());
    EXPECT_NE(v.note.find("lighter decoding"), std::string::npos) << v.note;
    EXPECT_NE(v.note.find("more cores"), std::string::npos) << v.note;
    EXPECT_NE(v.diagnosis.find("cores are 100% used"), std::string::npos) << v.diagnosis;
}

// ... with cores to spare: more workers, up to what keeps up.
TEST(Verdict, SaturatedCpuBoundLoaderWithSpareCoresAsksForWorkers) {
    // A batch: 10 ms of decoding on 1 worker of 4 cores; 3 workers deliver one every 3.3 ms,
    // faster than the trainer's 4 ms (2 would give 5 ms).
    PipelineContext c = knobs(128, 4, 1);
    c.cpu_cores = 4;
    loader(c, 0, 10, false);
    const Verdict v = judge(window(10 * kMs, 6 * kMs, 4 * kMs), c);
    ASSERT_FALSE(v.advice.empty());
    const Advice& a = v.advice.front();
    EXPECT_EQ(a.knob, Knob::Workers);
    EXPECT_EQ(a.to, 3);
    EXPECT_EQ(a.text.find("beyond the core count"), std::string::npos) << a.text;
    EXPECT_NEAR(a.expected.step_ns, 4e6, 1);
}

// Rule: loading in the training thread -> workers (capped by the cores for CPU work).
TEST(Verdict, LoadingInTheTrainingThreadAsksForWorkers) {
    // 6 ms of decoding per batch in the trainer's thread (it is the wait), 4 ms compute. With no
    // prefetch 2 workers split each batch: 4 + 6 / 2 = 7 ms; a third worker has no core.
    PipelineContext c = knobs(128, 0, 0);
    c.cpu_cores = 2;
    loader(c, 0, 6, false);
    const Verdict v = judge(window(10 * kMs, 6 * kMs, 4 * kMs), c);
    ASSERT_EQ(v.advice.size(), 2u);
    EXPECT_EQ(v.advice[0].knob, Knob::Workers);
    EXPECT_EQ(v.advice[0].from, 0);
    EXPECT_EQ(v.advice[0].to, 2);
    EXPECT_NEAR(v.advice[0].expected.step_ns, 7e6, 1);
    EXPECT_NEAR(v.advice[0].expected.data_wait_share, 3.0 / 7.0, 1e-9);
    EXPECT_EQ(v.advice[1].knob, Knob::PrefetchDepth);
    EXPECT_NE(v.diagnosis.find("training thread"), std::string::npos) << v.diagnosis;
}

// With no prefetch at all, the queue is always dry: build ahead first (the bigger predicted gain).
TEST(Verdict, NoPrefetchWithIdleWorkersAsksForPrefetchFirst) {
    // 2 workers, 4 ms CPU per batch split in two: 2 ms wait on a 6 ms compute. Built ahead:
    // max(6, 4 / 2) = 6 ms.
    PipelineContext c = knobs(128, 0, 2);
    c.cpu_cores = 4;
    loader(c, 0, 4, false);
    c.queue_dry_share = 1.0;
    const Verdict v = judge(window(8 * kMs, 2 * kMs, 6 * kMs), c);
    ASSERT_FALSE(v.advice.empty());
    EXPECT_EQ(v.advice[0].knob, Knob::PrefetchDepth);
    EXPECT_EQ(v.advice[0].to, 2);
    EXPECT_NEAR(v.advice[0].expected.step_ns, 6e6, 1);
}

TEST(Verdict, UnknownLoaderFiguresGivePrefetchOnlyWhenNothingIsBuiltAhead) {
    const Verdict none = judge(window(1000, 300, 700), knobs(64, 0, 2));
    ASSERT_EQ(none.advice.size(), 1u);
    EXPECT_EQ(none.advice[0].knob, Knob::PrefetchDepth);
    EXPECT_FALSE(none.advice[0].expected.valid());
    const Verdict some = judge(window(1000, 300, 700), knobs(64, 2, 2));
    EXPECT_TRUE(some.advice.empty());
    EXPECT_FALSE(some.note.empty());
}

// Rule: copy-bound -> page-locked buffers.
TEST(Verdict, CopyBoundAdvisesPinnedBuffersAndBiggerBatches) {
    PipelineContext c = knobs(32, 2, 2);
    c.gpu = true;
    c.pinned_host_buffers = false;
    const Verdict v = judge(window(1000, 0, 200, 600, 100, 32), c);
    EXPECT_EQ(v.bottleneck, Bottleneck::CopyBound);
    ASSERT_EQ(v.advice.size(), 2u);
    EXPECT_EQ(v.advice[0].knob, Knob::PinnedMemory);
    EXPECT_NE(v.advice[0].text.find("page-locked"), std::string::npos);
    EXPECT_NEAR(v.advice[0].expected.step_ns, 650, 1e-9);  // 700 ns of copies at twice the rate
    EXPECT_EQ(v.advice[1].knob, Knob::BatchSize);
    EXPECT_EQ(v.advice[1].to, 128);
}

// Rule: compute-bound at a small batch -> batch size, with the memory it costs.
TEST(Verdict, SmallBatchesAskForBatch32To128WithTheMemory) {
    PipelineContext cpu = knobs(32, 2, 2);
    cpu.activation_bytes = 32ll << 20;
    const Verdict compute = judge(window(1000, 0, 900, 0, 0, 32), cpu);
    EXPECT_EQ(compute.bottleneck, Bottleneck::ComputeBound);
    ASSERT_EQ(compute.advice.size(), 1u);
    const Advice& a = compute.advice[0];
    EXPECT_NE(a.text.find("batch size 32 → 128"), std::string::npos) << a.text;
    EXPECT_NE(a.text.find("96 MiB more activation memory"), std::string::npos) << a.text;
    // 100 ns of host work shared, 900 ns of compute times four: 128 samples per 3700 ns.
    EXPECT_NEAR(a.expected.step_ns, 3700, 1e-9);
    EXPECT_NEAR(a.expected.samples_per_s, 128 / 3.7e-6, 1e-3);

    const Verdict host = judge(window(1000, 0, 200, 0, 0, 32), knobs(32, 2, 2));
    EXPECT_EQ(host.bottleneck, Bottleneck::HostBound);
    ASSERT_EQ(host.advice.size(), 1u);
    EXPECT_NEAR(host.advice[0].expected.step_ns, 800 + 4 * 200, 1e-9);
    // Compute-bound at a decent batch: nothing to turn.
    EXPECT_TRUE(judge(window(1000, 0, 900), knobs(128, 2, 2)).advice.empty());
}

// Compute-bound at batch 16 with 2% host work: growing compute with the batch (the lower bound)
// predicts under 5% gain, so no advice; forward passes timed at 16 and 64 show compute growing
// 2.5x for 4x the samples, and the advice appears with that prediction.
TEST(Verdict, MeasuredComputeScalingAdvisesALargerBatchTheLowerBoundMisses) {
    const WindowSummary w = window(1000, 0, 980, 0, 0, 16);  // host 20 ns per step
    PipelineContext c = knobs(16, 2, 2);
    // Lower bound: 20 + 4 x 980 = 3940 ns for 64 samples: 16,244,000 samples/s against 16,000,000 (+1.5%).
    EXPECT_EQ(judge(w, c).bottleneck, Bottleneck::ComputeBound);
    EXPECT_TRUE(judge(w, c).advice.empty());

    c.compute_profile = {{16, 400'000}, {64, 1'000'000}};  // 0.40 ms at 16, 1.00 ms at 64: 2.5x
    const Verdict v = judge(w, c);
    ASSERT_EQ(v.advice.size(), 1u);
    const Advice& a = v.advice[0];
    EXPECT_EQ(a.knob, Knob::BatchSize);
    EXPECT_EQ(a.from, 16);
    EXPECT_EQ(a.to, 64);
    // 20 ns of host shared, 980 ns of compute x 2.5 = 2470 ns for 64 samples.
    EXPECT_NEAR(a.expected.step_ns, 2470, 1e-9);
    EXPECT_NEAR(a.expected.samples_per_s, 64 / 2.47e-6, 1e-3);
    EXPECT_NEAR(a.expected.data_wait_share, 0, 1e-12);
    EXPECT_NE(a.expected.reason.find("a forward pass took 0.40 ms at 16 and 1.00 ms at 64"), std::string::npos)
        << a.expected.reason;
    EXPECT_NE(a.expected.reason.find("compute grows 2.5× for 4× the samples"), std::string::npos) << a.expected.reason;

    // Timed, but compute grows almost with the batch (4.2x): no gain, no advice.
    c.compute_profile = {{16, 400'000}, {64, 1'680'000}};
    EXPECT_TRUE(judge(w, c).advice.empty());
    // Timed at other sizes only (a profile from before a batch-size change): the lower bound.
    c.compute_profile = {{32, 400'000}, {128, 500'000}};
    EXPECT_TRUE(judge(w, c).advice.empty());
}

// Copies and data wait grow with the batch; only compute follows the timed ratio, which is never
// taken below 1 (a faster pass at the larger size is noise).
TEST(Verdict, MeasuredComputeScalingScalesOnlyCompute) {
    // Step 1000 ns: compute 700, h2d 100, host 200.
    PipelineContext c = knobs(32, 2, 2);
    c.compute_profile = {{32, 500'000}, {128, 400'000}};  // ratio 0.8, taken as 1
    const Verdict v = judge(window(1000, 0, 700, 100, 0, 32), c);
    ASSERT_EQ(v.advice.size(), 1u);
    // 200 host + 4 x 100 copies + 1 x 700 compute = 1300 ns.
    EXPECT_NEAR(v.advice[0].expected.step_ns, 1300, 1e-9);
}

TEST(Verdict, PredictionIsCheckedAgainstTheMeasuredWindow) {
    Prediction p;
    p.step_ns = 4e6;
    p.samples_per_s = 32000;
    p.data_wait_share = 0.02;
    // Measured: 128 samples per 5 ms = 25,600 samples/s, 1 ms of 5 waiting.
    const PredictionCheck c = check_prediction(p, window(5 * kMs, 1 * kMs, 4 * kMs));
    EXPECT_NEAR(c.measured_samples_per_s, 25600, 1e-6);
    EXPECT_NEAR(c.measured_wait_share, 0.2, 1e-12);
    EXPECT_NEAR(c.error, 6400.0 / 25600.0, 1e-12);
    EXPECT_NE(c.text.find("predicted 32,000 samples/s, data wait 2%; measured 25,600 samples/s, data wait 20% (error 25%)"),
              std::string::npos)
        << c.text;
    EXPECT_EQ(describe(p), "step 4.00 ms, 32,000 samples/s, data wait 2%");
}
