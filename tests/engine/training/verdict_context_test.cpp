// The verdict's context built from iteration records, a snapshot and a stored session: the
// loader's parts summed over the window, the queue's dry share, the storage profile's facts.
#include <gtest/gtest.h>

#include "batchscope/engine/data/storage_profile.h"
#include "batchscope/engine/training_run.h"
#include "batchscope/engine/verdict_context.h"

using namespace batchscope;
using namespace batchscope::engine;

namespace {

IterationRecord record(int64_t i, int queue, int64_t read, int64_t decode, int64_t collate) {
    IterationRecord r;
    r.iteration = i;
    r.queue_depth = queue;
    r.load.parts = {read, decode, 0, collate};
    r.load.start_ns = 1000 * i;
    r.load.end_ns = 1000 * i + 700;
    return r;
}

}  // namespace

TEST(VerdictContext, SumsTheLoadersWorkAndCountsDryStarts) {
    VerdictSetting s;
    s.batch_size = 64;
    s.prefetch_depth = 2;
    s.workers = 3;
    s.storage = data::StorageKind::EmulatedHdd;
    s.cpu_cores = 2;
    s.compute_threads = 2;
    const std::vector<IterationRecord> w = {record(0, 0, 100, 20, 5), record(1, 2, 200, 30, 5), record(2, 0, 300, 40, 5),
                                            record(3, 1, 0, 0, 0)};
    // The fourth batch has no build times at all (none recorded): only the queue counts it.
    std::vector<IterationRecord> with_empty = w;
    with_empty[3].load = BatchTimes{};
    const profiler::PipelineContext c = verdict_context(s, with_empty);
    EXPECT_EQ(c.batch_size, 64);
    EXPECT_EQ(c.prefetch_depth, 2);
    EXPECT_EQ(c.workers, 3);
    EXPECT_EQ(c.cpu_cores, 2);
    EXPECT_EQ(c.compute_threads, 2);
    EXPECT_EQ(c.batches_loaded, 3);
    EXPECT_EQ(c.read_ns, 600);
    EXPECT_EQ(c.decode_ns, 90);
    EXPECT_EQ(c.collate_ns, 15);
    EXPECT_EQ(c.loader_busy_ns, 3 * 700);
    EXPECT_DOUBLE_EQ(c.queue_dry_share, 0.5);  // iterations 0 and 2 of 4
    EXPECT_TRUE(c.read_waits);                 // an emulated disk waits
    EXPECT_EQ(c.storage_parallelism, 1);       // one head
    EXPECT_EQ(c.storage, "HDD 7200 rpm (emulated)");
    EXPECT_EQ(c.max_workers, KnobLimits::kMaxWorkers);

    s.storage = data::StorageKind::PageCache;
    const profiler::PipelineContext p = verdict_context(s, w);
    EXPECT_FALSE(p.read_waits);  // page-cache reads copy memory: CPU work
    EXPECT_EQ(p.batches_loaded, 4);  // a build span without timed parts is still a batch built
    EXPECT_EQ(p.loader_busy_ns, 4 * 700);
}

TEST(VerdictContext, LiveChangesAndStoredSessionsGiveTheKnobsInEffect) {
    VerdictSetting s = VerdictSetting::of_json(
        R"({"batch_size": 32, "prefetch_depth": 1, "workers": 2, "threads": 4, "storage": "emulated-nvme", "backend": "cpu"})");
    EXPECT_EQ(s.batch_size, 32);
    EXPECT_EQ(s.compute_threads, 4);
    EXPECT_EQ(s.storage, data::StorageKind::EmulatedNvme);
    s.apply("prefetch_depth", 4);
    s.apply("storage_profile", static_cast<int64_t>(data::StorageKind::EmulatedNfs));
    s.apply("storage_profile", 99);  // not a profile: ignored
    EXPECT_EQ(s.prefetch_depth, 4);
    EXPECT_EQ(s.storage, data::StorageKind::EmulatedNfs);

    store::SessionInfo info;
    info.config_json = R"({"batch_size": 32, "prefetch_depth": 1, "workers": 2, "storage": "page-cache"})";
    info.env_json = R"({"cores": 6})";
    const std::vector<store::KnobRow> changes = {{0, 10, "workers", 2, 4}, {0, 50, "prefetch_depth", 1, 8}};
    std::vector<store::IterationRow> rows(10);
    for (int i = 0; i < 10; ++i) {
        rows[static_cast<size_t>(i)].iteration = 20 + i;
        rows[static_cast<size_t>(i)].queue_depth = i < 3 ? 0 : 2;
    }
    const profiler::PipelineContext c = verdict_context(info, changes, rows);
    EXPECT_EQ(c.workers, 4);         // changed at iteration 10, before the window
    EXPECT_EQ(c.prefetch_depth, 1);  // changed at iteration 50, after it
    EXPECT_EQ(c.cpu_cores, 6);
    EXPECT_DOUBLE_EQ(c.queue_dry_share, 0.3);
    EXPECT_EQ(c.batches_loaded, 0);  // the store keeps no loader times
}

TEST(VerdictContext, ALiveRunsSnapshotCarriesItsComputeThreads) {
    TrainConfig cfg;
    cfg.threads = 3;
    cfg.workers = 1;
    TrainingRun run(cfg);  // not started: the snapshot holds the configured knobs
    const auto snap = run.snapshot();
    EXPECT_EQ(snap->threads, 3);
    const profiler::PipelineContext c = verdict_context(*snap, {});
    EXPECT_EQ(c.compute_threads, 3);  // the trainer's CPU time counts 3 cores of compute
    EXPECT_EQ(c.workers, 1);
}

// The forward passes a run timed reach the verdict from its snapshot and from a setting given
// them (a sink, the preset player, the benchmark); a stored session has none (the lower bound).
TEST(VerdictContext, TheRunsTimedForwardPassesReachTheContext) {
    RunSnapshot s;
    s.batch_size = 16;
    s.compute_profile = {{16, 400'000}, {64, 1'000'000}};
    const profiler::PipelineContext live = verdict_context(s, {});
    EXPECT_EQ(live.compute_at(16), 400'000);
    EXPECT_EQ(live.compute_at(64), 1'000'000);
    EXPECT_EQ(live.compute_at(32), 0);
    VerdictSetting v = VerdictSetting::of(TrainConfig{});
    EXPECT_TRUE(verdict_context(v, {}).compute_profile.empty());
    v.compute_profile = s.compute_profile;
    EXPECT_EQ(verdict_context(v, {}).compute_at(64), 1'000'000);
    store::SessionInfo info;
    info.config_json = R"({"batch_size": 16})";
    EXPECT_TRUE(verdict_context(info, {}, {}).compute_profile.empty());
}

// The "page-locked buffers" advice depends on whether the GPU's copies come from page-locked
// batches: the setting follows the run's pinned_memory, live (snapshot) and stored (its config key).
TEST(VerdictContext, PageLockedBatchesFollowThePinnedMemorySetting) {
    TrainConfig cfg;
    cfg.backend = "cuda";
    EXPECT_TRUE(verdict_context(VerdictSetting::of(cfg), {}).pinned_host_buffers);
    cfg.pinned_memory = false;
    EXPECT_FALSE(verdict_context(VerdictSetting::of(cfg), {}).pinned_host_buffers);
    EXPECT_FALSE(verdict_context(VerdictSetting::of_json(R"({"backend":"cuda","pinned_memory":false})"), {}).pinned_host_buffers);
    EXPECT_TRUE(verdict_context(VerdictSetting::of_json(R"({"backend":"cuda","pinned_memory":true})"), {}).pinned_host_buffers);
    EXPECT_TRUE(verdict_context(VerdictSetting::of_json(R"({"backend":"cuda"})"), {}).pinned_host_buffers);  // older sessions
    RunSnapshot s;
    s.backend = "CUDA, Fake GPU (host memory), FP32";  // a live run's backend line
    s.pinned_memory = false;
    EXPECT_TRUE(verdict_context(s, {}).gpu);
    EXPECT_FALSE(verdict_context(s, {}).pinned_host_buffers);
}
