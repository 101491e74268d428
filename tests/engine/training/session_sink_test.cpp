// A training session saves a bottleneck verdict per window of iterations: windows close after
// SessionSink::kVerdictWindowNs of run time, at each knob change and at the end of the run.
// The iterations are constructed (their clock times are given), so nothing here is timed.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "batchscope/engine/session_sink.h"
#include "batchscope/store/session_store.h"

using namespace batchscope::engine;

namespace {

std::string temp_db(const char* tag) {
    return (std::filesystem::temp_directory_path() /
            ("bs-sink-" + std::string(tag) + "-" + std::to_string(getpid()) + ".db"))
        .string();
}

// An iteration of `wall_ms` starting at `t_ms`, of which `wait_ms` waited for data and the rest computed.
IterationRecord iteration(int64_t i, int64_t t_ms, int64_t wall_ms, int64_t wait_ms) {
    IterationRecord r;
    r.iteration = i;
    r.epoch = 1;
    r.batch_size = 128;
    r.start_ns = t_ms * 1'000'000;
    r.end_ns = (t_ms + wall_ms) * 1'000'000;
    r.breakdown.wall_ns = wall_ms * 1'000'000;
    r.breakdown.data_wait_ns = wait_ms * 1'000'000;
    r.breakdown.compute_ns = (wall_ms - wait_ms) * 1'000'000;
    // The loader: 30 ms of decoding per batch, and the queue empty whenever the step waited.
    r.load.parts.decode_ns = 30'000'000;
    r.load.start_ns = r.start_ns - 30'000'000;
    r.load.end_ns = r.start_ns;
    r.queue_depth = wait_ms > 5 ? 0 : 2;
    return r;
}

}  // namespace

TEST(SessionSinkVerdicts, OneVerdictPerWindowCutAtKnobChangesAndTheEnd) {
    const std::string db = temp_db("verdicts");
    std::filesystem::remove(db);
    TrainConfig cfg;
    cfg.prefetch_depth = 0;
    cfg.workers = 1;
    int64_t id = 0;
    {
        SessionSink sink(db, cfg, "verdicts");
        id = sink.session_id();
        int64_t t = 0, i = 0;
        // 3 s of input-bound iterations (60% waiting): the first window closes after 2 s.
        for (; t < 3000; t += 100, ++i) sink.on_iteration(iteration(i, t, 100, 60));
        EXPECT_EQ(sink.verdicts_written(), 1);
        // The user raises the prefetch depth: the open (1 s) window closes with the old knobs.
        // It is the advice (prefetch 0 → 2), so the next window checks its prediction.
        sink.on_knob_change(KnobChange{t * 1'000'000, i, "prefetch_depth", 0, 2});
        EXPECT_EQ(sink.verdicts_written(), 2);
        // Now compute-bound (2% waiting) until the end of the run.
        for (int k = 0; k < 5; ++k, t += 100, ++i) sink.on_iteration(iteration(i, t, 100, 2));
        sink.on_end(RunState::Finished, "");
        EXPECT_EQ(sink.verdicts_written(), 3);
    }
    batchscope::store::SessionStore store(db, true);
    const auto v = store.verdicts(id);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0].verdict, "input-bound");
    EXPECT_EQ(v[0].first_iteration, 0);
    EXPECT_EQ(v[0].last_iteration, 19);  // iterations 0..19 span [0 s, 2 s)
    EXPECT_NE(v[0].advice.find("prefetch"), std::string::npos) << v[0].advice;
    EXPECT_EQ(v[1].verdict, "input-bound");
    EXPECT_EQ(v[1].first_iteration, 20);
    EXPECT_EQ(v[1].last_iteration, 29);
    EXPECT_EQ(v[2].verdict, "compute-bound");
    EXPECT_EQ(v[2].first_iteration, 30);
    EXPECT_EQ(v[2].last_iteration, 34);
    // Predicted with the trainer's own 40 ms per step; measured: 128 samples per 100 ms.
    EXPECT_NE(v[1].advice.find("prefetch depth 0 → 2"), std::string::npos) << v[1].advice;
    EXPECT_NE(v[1].advice.find("expected: step"), std::string::npos) << v[1].advice;
    EXPECT_NE(v[2].advice.find("advice applied (prefetch depth 0 → 2): predicted"), std::string::npos) << v[2].advice;
    EXPECT_NE(v[2].advice.find("measured 1,280 samples/s, data wait 2%"), std::string::npos) << v[2].advice;
    std::filesystem::remove(db);
}

// Compute-bound at batch 16 with no host work: without timed forward passes the batch-size advice
// can only assume compute grows with the batch (no gain, no advice); once the run reports passes
// timed at 16 and 64 (2.5x), the next window's row advises batch 64 with that prediction.
TEST(SessionSinkVerdicts, TheRunsTimedForwardPassesReachTheBatchSizeAdvice) {
    const std::string db = temp_db("probe");
    std::filesystem::remove(db);
    TrainConfig cfg;
    cfg.batch_size = 16;
    int64_t id = 0;
    {
        SessionSink sink(db, cfg, "probe");
        id = sink.session_id();
        int64_t t = 0, i = 0;
        auto step = [&] {
            IterationRecord r = iteration(i++, t, 10, 0);
            r.batch_size = 16;
            r.queue_depth = 2;
            sink.on_iteration(r);
            t += 10;
        };
        while (sink.verdicts_written() == 0) step();  // 2 s: the first window, judged with no profile
        const std::vector<batchscope::profiler::ComputePoint> profile = {{16, 400'000}, {64, 1'000'000}};
        sink.on_compute_profile(profile);
        for (int k = 0; k < 50; ++k) step();
        sink.on_end(RunState::Finished, "");
    }
    batchscope::store::SessionStore store(db, true);
    const auto v = store.verdicts(id);
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].verdict, "compute-bound");
    EXPECT_EQ(v[0].advice.find("batch size"), std::string::npos) << v[0].advice;
    EXPECT_EQ(v[1].verdict, "compute-bound");
    // 10 ms of compute x 2.5 = 25 ms for 64 samples: 2,560 samples/s against 1,600.
    EXPECT_NE(v[1].advice.find("batch size 16 → 64"), std::string::npos) << v[1].advice;
    EXPECT_NE(v[1].advice.find("expected: step 25.00 ms, 2,560 samples/s"), std::string::npos) << v[1].advice;
    std::filesystem::remove(db);
}

TEST(SessionSinkVerdicts, NoIterationsNoVerdict) {
    const std::string db = temp_db("empty");
    std::filesystem::remove(db);
    int64_t id = 0;
    {
        SessionSink sink(db, TrainConfig{}, "empty");
        id = sink.session_id();
        sink.on_knob_change(KnobChange{0, 0, "workers", 2, 3});
        sink.on_end(RunState::Stopped, "stopped before the first iteration");
        EXPECT_EQ(sink.verdicts_written(), 0);
    }
    batchscope::store::SessionStore store(db, true);
    EXPECT_TRUE(store.verdicts(id).empty());
    std::filesystem::remove(db);
}

TEST(SessionSinkEnvironment, RecordsTheMachineAndLibraryVersions) {
    const std::string db = temp_db("env");
    std::filesystem::remove(db);
    int64_t id = 0;
    {
        SessionSink sink(db, TrainConfig{}, "env");
        id = sink.session_id();
        sink.on_end(RunState::Finished, "");
    }
    batchscope::store::SessionStore store(db, true);
    const auto env = nlohmann::json::parse(store.info(id)->env_json);
    for (const char* key : {"cpu", "cores", "gpu_status", "compiler", "lib_openblas", "lib_sqlite", "lib_zlib", "lib_libpng"})
        EXPECT_TRUE(env.contains(key)) << key << " in " << env.dump();
    EXPECT_EQ(env["lib_sqlite"], batchscope::store::SessionStore::sqlite_version());
    EXPECT_TRUE(env.contains("lib_libjpeg-turbo") || env.contains("lib_libjpeg")) << env.dump();
    std::filesystem::remove(db);
}

// A GPU run's trace completeness is kept with the session as summary figures (no schema change).
TEST(SessionSinkDevice, TheGpuTracesCompletenessIsSavedAsSummaryFigures) {
    const std::string db = temp_db("device");
    std::filesystem::remove(db);
    int64_t id = 0;
    {
        SessionSink sink(db, TrainConfig{}, "device");
        id = sink.session_id();
        DeviceView d;
        d.name = "GPU";
        d.cupti_records = 1000;
        d.cupti_dropped = 3;
        d.cupti_bad_timestamps = 2;
        d.cupti_unjoined = 40;
        d.device_attributed_ns = 9'000'000;
        d.device_unattributed_ns = 1'000'000;
        sink.on_device(d);
        sink.on_end(RunState::Finished, "");
    }
    batchscope::store::SessionStore store(db, true);
    std::map<std::string, double> figures;
    for (const auto& [k, v] : store.summary(id)) figures[k] = v;
    EXPECT_EQ(figures["cupti_records"], 1000);
    EXPECT_EQ(figures["cupti_dropped"], 3);
    EXPECT_EQ(figures["cupti_bad_timestamps"], 2);
    EXPECT_EQ(figures["cupti_unjoined"], 40);
    EXPECT_EQ(figures["device_attributed_ns"], 9'000'000);
    EXPECT_EQ(figures["device_unattributed_ns"], 1'000'000);
    std::filesystem::remove(db);
}

// Above 1% of the iterations' device time without an id, a run says so; at 1% or less it does not.
TEST(SessionSinkDevice, TheUnattributedNoteStartsAboveOnePercent) {
    DeviceView d;
    EXPECT_EQ(unattributed_note(d), "");  // no device time at all
    d.device_attributed_ns = 99'000'000;
    d.device_unattributed_ns = 1'000'000;  // 1.0%
    EXPECT_DOUBLE_EQ(d.unattributed_share(), 0.01);
    EXPECT_EQ(unattributed_note(d), "");
    d.device_unattributed_ns = 2'000'000;  // 2 / 101
    const std::string note = unattributed_note(d);
    EXPECT_NE(note.find("2.0% of the GPU time"), std::string::npos) << note;
    EXPECT_NE(note.find("2.0 ms"), std::string::npos) << note;
}
