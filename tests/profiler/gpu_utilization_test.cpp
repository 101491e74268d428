#include <gtest/gtest.h>

#include "batchscope/profiler/gpu_utilization.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using namespace batchscope::profiler::test;

TEST(GpuUtilization, BusyOverlapAndIdleSplit) {
    // Window 0..1000. Iteration on the controller 0..800 with a data wait 0..200.
    // Copies 150..300 (copy stream), kernels 250..500 and 450..600 (two compute streams).
    const std::vector<Event> e = {
        ev(Phase::Iteration, 0, 800, kCtl, 0),   ev(Phase::DataWait, 0, 200, kCtl, 0),
        ev(Phase::H2D, 150, 300, copy_lane(), 0), ev(Phase::Compute, 250, 500, compute_lane(0), 0),
        ev(Phase::Compute, 450, 600, compute_lane(1), 0),
        ev(Phase::Load, 0, 1000, worker(0), 1),  // loader lanes do not count as host or GPU
    };
    const GpuUtilization u = gpu_utilization(e, 0, 1000);
    EXPECT_EQ(u.window_ns, 1000);
    EXPECT_EQ(u.copy_ns, 150);
    EXPECT_EQ(u.compute_ns, 350);      // 250..600
    EXPECT_EQ(u.busy_ns, 450);         // 150..600
    EXPECT_EQ(u.overlap_ns, 50);       // 250..300
    EXPECT_NEAR(u.overlap_share(), 50.0 / 150.0, 1e-12);
    EXPECT_EQ(u.idle_ns, 550);         // 0..150, 600..1000
    EXPECT_EQ(u.idle_waiting_for_host_ns, 350);  // 0..150 and 600..800 inside the iteration
    EXPECT_EQ(u.idle_waiting_for_data_ns, 150);  // 0..150 under the data wait
    EXPECT_EQ(u.idle_other_ns, 200);             // 800..1000
    EXPECT_NEAR(u.busy_share(), 0.45, 1e-12);
}

TEST(GpuUtilization, ClipsToTheWindowAndTreatsDtoHAsCopy) {
    const std::vector<Event> e = {ev(Phase::D2H, -100, 100, copy_lane()), ev(Phase::Compute, 50, 400, compute_lane()),
                                  ev(Phase::Evaluate, 0, 300, kCtl)};  // evaluation is not "the host" of an iteration
    const GpuUtilization u = gpu_utilization(e, 0, 300);
    EXPECT_EQ(u.copy_ns, 100);
    EXPECT_EQ(u.compute_ns, 250);
    EXPECT_EQ(u.busy_ns, 300);
    EXPECT_EQ(u.idle_ns, 0);
    EXPECT_EQ(u.idle_waiting_for_host_ns, 0);
    const GpuUtilization empty = gpu_utilization(e, 10, 10);
    EXPECT_EQ(empty.window_ns, 0);
    EXPECT_EQ(empty.busy_share(), 0.0);
}

TEST(GpuUtilization, NoGpuEventsIsAllIdle) {
    const std::vector<Event> e = {ev(Phase::Iteration, 0, 100, kCtl)};
    const GpuUtilization u = gpu_utilization(e, 0, 200);
    EXPECT_EQ(u.busy_ns, 0);
    EXPECT_EQ(u.idle_waiting_for_host_ns, 100);
    EXPECT_EQ(u.idle_other_ns, 100);
}
