// The dashboard's view models without a window: shares, columns, labels, the run timeline.
// This test links batchscope_ui_views only (no Qt, no QApplication).
#include <gtest/gtest.h>

#include <cmath>

#include "breakdown_stats.h"
#include "run_text.h"
#include "lane_model.h"
#include "run_timeline.h"

using namespace batchscope;
using namespace batchscope::ui;

namespace {

engine::IterationRecord record(int64_t iteration, int64_t wait_ms, int64_t compute_ms, int64_t host_ms,
                               int batch = 128) {
    engine::IterationRecord r;
    r.iteration = iteration;
    r.batch_size = batch;
    r.start_ns = iteration * 100'000'000;
    r.breakdown.data_wait_ns = wait_ms * 1'000'000;
    r.breakdown.compute_ns = compute_ms * 1'000'000;
    r.breakdown.host_ns = host_ms * 1'000'000;
    r.breakdown.wall_ns = r.breakdown.parts_sum();
    r.end_ns = r.start_ns + r.breakdown.wall_ns;
    return r;
}

double share(const PartShares& s, Part p) { return s[static_cast<size_t>(p)]; }

}  // namespace

TEST(BreakdownStats, SharesAreFractionsOfTheWindow) {
    const std::vector<engine::IterationRecord> recent = {record(0, 41, 52, 7), record(1, 41, 52, 7)};
    const PartShares s = mean_shares(recent);
    EXPECT_DOUBLE_EQ(share(s, Part::DataWait), 0.41);
    EXPECT_DOUBLE_EQ(share(s, Part::Compute), 0.52);
    EXPECT_DOUBLE_EQ(share(s, Part::H2D), 0.0);
    EXPECT_EQ(format_shares(s), "data wait 41% \u00b7 compute 52% \u00b7 host 7%");
    EXPECT_EQ(format_shares(mean_shares({})), "");
}

TEST(BreakdownStats, ColumnsKeepTheNewestAtTheRight) {
    std::vector<engine::IterationRecord> recent;
    for (int i = 0; i < 5; ++i) recent.push_back(record(i, 1, 2 + i, 0));
    const BreakdownColumns few = last_columns(recent, 8);
    ASSERT_EQ(few.iteration.size(), size_t(8));
    EXPECT_EQ(few.iteration.front(), -1);
    EXPECT_EQ(few.iteration.back(), 4);
    EXPECT_DOUBLE_EQ(few.ms[static_cast<size_t>(Part::Compute)].back(), 6.0);
    EXPECT_DOUBLE_EQ(few.max_total_ms, 7.0);
    EXPECT_EQ(last_columns(recent, 3).iteration, (std::vector<int64_t>{2, 3, 4}));
}

TEST(BreakdownStats, WholeRunShares) {
    profiler::Breakdown b;
    b.data_wait_ns = 30;
    b.compute_ns = 60;
    b.host_ns = 10;
    b.wall_ns = 100;
    const PartShares sh = shares_of(b);
    EXPECT_DOUBLE_EQ(share(sh, Part::DataWait), 0.3);
    EXPECT_DOUBLE_EQ(share(sh, Part::Compute), 0.6);
    EXPECT_DOUBLE_EQ(share(sh, Part::Host), 0.1);
    EXPECT_DOUBLE_EQ(shares_of(profiler::Breakdown{})[0], 0.0);
}

TEST(BreakdownStats, ImportedCommAndOtherDeviceWorkKeepTheirOwnParts) {
    // An imported step: 40 compute, 30 comm, 10 other GPU work, 20 host (ms).
    engine::IterationRecord r = record(0, 0, 40, 20);
    r.breakdown.comm_ns = 30'000'000;
    r.breakdown.other_gpu_ns = 10'000'000;
    r.breakdown.wall_ns = r.breakdown.parts_sum();
    const std::vector<engine::IterationRecord> imported = {r};
    const PartShares s = mean_shares(imported);
    EXPECT_DOUBLE_EQ(s[static_cast<size_t>(Part::Comm)], 0.3);
    EXPECT_DOUBLE_EQ(s[static_cast<size_t>(Part::OtherGpu)], 0.1);
    EXPECT_DOUBLE_EQ(s[static_cast<size_t>(Part::Host)], 0.2);
    EXPECT_EQ(format_shares(s), "compute 40% \u00b7 comm 30% \u00b7 other gpu 10% \u00b7 host 20%");
    const BreakdownColumns cols = last_columns(imported, 4);
    EXPECT_DOUBLE_EQ(cols.ms[static_cast<size_t>(Part::Comm)].back(), 30.0);
    EXPECT_DOUBLE_EQ(cols.max_total_ms, 100.0);
}

TEST(RunText, KnobAndBackendLabels) {
    engine::KnobChange k;
    k.knob = "batch_size";
    k.old_value = 128;
    k.new_value = 64;
    EXPECT_EQ(knob_change_label(k), "batch 128\u219264");
    k.knob = "prefetch_depth";
    EXPECT_EQ(knob_change_label(k), "prefetch 128\u219264");
    k.knob = "storage_profile";  // values are storage kinds: shown by their ids
    k.old_value = 0;
    k.new_value = 99;
    EXPECT_EQ(knob_change_label(k), "storage page-cache\u219299");
    EXPECT_EQ(backend_display_name("cpu"), "CPU (OpenBLAS)");
    EXPECT_EQ(backend_display_name("CPU, OpenBLAS 0.3.21 DYNAMIC_ARCH (core: Haswell)"), "CPU (OpenBLAS 0.3.21)");
    engine::RunSnapshot cpu;
    EXPECT_EQ(backend_status(cpu), "Backend: CPU (OpenBLAS)");
    engine::RunSnapshot gpu;
    gpu.backend = "cuda";
    gpu.device.name = "NVIDIA H100";
    gpu.gpu_timing.mode = profiler::GpuTimingMode::CudaEvents;
    EXPECT_EQ(backend_status(gpu), "Backend: GPU (CUDA) \u00b7 NVIDIA H100 \u00b7 timing: CUDA events (no CUPTI)");
    gpu.gpu_timing.mode = profiler::GpuTimingMode::Cupti;
    gpu.device.cupti_dropped = 12;
    EXPECT_EQ(backend_status(gpu), "Backend: GPU (CUDA) \u00b7 NVIDIA H100 \u00b7 timing: CUPTI \u00b7 12 CUPTI records dropped");
    EXPECT_EQ(group_thousands(1234567.4), "1\u2009234\u2009567");
    EXPECT_EQ(group_thousands(999), "999");
}

TEST(RunTimeline, PlacesEpochsAndKnobChanges) {
    engine::RunSnapshot s;
    s.recent = {record(0, 1, 8, 1), record(1, 1, 8, 1)};
    s.elapsed_s = 2.0;  // the newest iteration ends at 2.0 s
    engine::KnobChange k;
    k.knob = "batch_size";
    k.time_ns = s.recent.back().end_ns - 500'000'000;  // 0.5 s before
    s.knob_changes = {k};
    engine::EpochRecord e;
    e.epoch = 1;
    e.test_accuracy = 0.8;
    s.epochs_done = {e};
    RunTimeline t;
    t.observe(s);
    ASSERT_EQ(t.knob_changes().size(), size_t(1));
    EXPECT_NEAR(t.knob_changes()[0].t_s, 1.5, 1e-9);
    ASSERT_EQ(t.test_accuracy().size(), size_t(1));
    EXPECT_DOUBLE_EQ(t.test_accuracy()[0].value, 80.0);
    s.elapsed_s = 3.0;
    t.observe(s);  // already placed: nothing moves
    EXPECT_NEAR(t.knob_changes()[0].t_s, 1.5, 1e-9);
    EXPECT_DOUBLE_EQ(t.test_accuracy()[0].t_s, 2.0);
    engine::EpochRecord stopped;  // a stopped epoch is not evaluated: no accuracy point
    stopped.epoch = 2;
    stopped.test_accuracy = -1;
    s.epochs_done.push_back(stopped);
    t.observe(s);
    EXPECT_EQ(t.test_accuracy().size(), size_t(1));
    EXPECT_EQ(t.epoch_loss().size(), size_t(2));
    t.reset();
    EXPECT_TRUE(t.knob_changes().empty());
}

// A saved session's events in the lane model: shown from the first 16 iterations, moved along
// the session within its span, each event with its label and breakdown part.
TEST(LaneModelFixed, ShowsTheFirstIterationsAndMovesWithinTheSession) {
    using profiler::Lane;
    using profiler::LaneKind;
    using profiler::Phase;
    std::vector<profiler::Event> ev;
    std::vector<std::string> labels;
    std::vector<int> parts;
    const Lane cpu{LaneKind::Controller, 0}, stream{LaneKind::ComputeStream, 1};
    for (int64_t i = 0; i < 20; ++i) {  // 20 steps of 10 ms, each with a 4 ms collective at 5 ms
        ev.push_back(profiler::make_event(Phase::Iteration, i * 10'000'000, (i + 1) * 10'000'000, cpu, i));
        labels.emplace_back();
        parts.push_back(0);
        ev.push_back(profiler::make_event(Phase::Compute, i * 10'000'000 + 5'000'000, i * 10'000'000 + 9'000'000, stream, i));
        labels.push_back("ncclKernel " + std::to_string(i));
        parts.push_back(1);
    }
    LaneModel m;
    m.load(ev, labels, parts);
    EXPECT_TRUE(m.fixed());
    ASSERT_EQ(m.lanes().size(), 2u);
    EXPECT_EQ(m.lanes()[0], cpu);  // the controller above the streams
    EXPECT_EQ(m.firstNs(), 0);
    EXPECT_EQ(m.lastNs(), 200'000'000);
    EXPECT_EQ(m.viewStartNs(), 0);
    EXPECT_EQ(m.viewEndNs(), 160'000'000);  // the first 16 steps
    EXPECT_TRUE(m.hasPart(1));
    EXPECT_FALSE(m.hasPart(2));
    EXPECT_FALSE(m.hasPhase(Phase::Compute));  // the only compute-phase events are collectives
    EXPECT_TRUE(m.hasPhase(Phase::Iteration));
    EXPECT_FALSE(m.hasPhase(Phase::Load));
    const std::vector<LaneRect> rs = m.layout(1600);
    int comm = 0;
    for (const LaneRect& r : rs) comm += r.part == 1 ? 1 : 0;
    EXPECT_EQ(comm, 16);  // the collectives of the steps shown, drawn as comm
    const profiler::Event* e = m.eventAt(1, 26'000'000);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(m.labelOf(e), "ncclKernel 2");
    m.setView(150'000'000, 160'000'000);  // past the end: kept inside the session
    EXPECT_EQ(m.viewStartNs(), 40'000'000);
    EXPECT_EQ(m.viewEndNs(), 200'000'000);
    m.setView(-5, 10'000'000);
    EXPECT_EQ(m.viewStartNs(), 0);
    EXPECT_EQ(m.viewEndNs(), 10'000'000);
}
