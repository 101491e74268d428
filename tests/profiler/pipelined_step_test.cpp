// A pipelined GPU training iteration timed with CUDA events: how the next batch's wait and
// staging, the exposed part of this batch's copy and the step's compute land in its breakdown.
#include <gtest/gtest.h>

#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/pipelined_step.h"

using namespace batchscope::profiler;

namespace {

Breakdown breakdown_of(const PipelinedStepTimes& t) {
    std::vector<Event> ev;
    pipelined_step_events(t, 7, ev);
    for (const Event& e : ev) EXPECT_EQ(e.id, 7);
    return compute_breakdown(t.t0, t.t3 + 10, ev);  // +10: bookkeeping after the step (host)
}

}  // namespace

// Staged ahead, its copy already over (exposed 0): the step computes 100-700 on the device while
// the host waits 200-300 for the next batch and stages it 300-400 (hidden), then waits 400-700.
TEST(PipelinedStep, TheNextBatchUnderComputeIsHidden) {
    PipelinedStepTimes t;
    t.t0 = t.t1 = t.t2 = 100;
    t.tl = 200, t.tw = 300, t.ts = 400, t.t3 = 700;
    t.device_timed = true, t.exposed_copy_ns = 0, t.compute_ns = 600;
    const Breakdown b = breakdown_of(t);
    EXPECT_EQ(b.compute_ns, 600);
    EXPECT_EQ(b.h2d_ns, 0);
    EXPECT_EQ(b.data_wait_ns, 0);
    EXPECT_EQ(b.host_ns, 10);
    EXPECT_EQ(b.parts_sum(), b.wall_ns);
}

// A slow loader: the device computes 100 ns (200-300 after a 100 ns exposed copy) while the host
// waits for the next batch until 900 and stages it until 1000; the wait beyond compute is exposed.
TEST(PipelinedStep, ASlowLoaderIsExposedBeyondTheStepsCompute) {
    PipelinedStepTimes t;
    t.t0 = 0, t.t1 = 50, t.t2 = 100;  // this batch fetched (50) and staged (50) in this iteration
    t.tl = 150, t.tw = 900, t.ts = 1000, t.t3 = 1000;
    t.device_timed = true, t.exposed_copy_ns = 100, t.compute_ns = 100;
    t.bytes = 4000, t.next_bytes = 4000;
    const Breakdown b = breakdown_of(t);
    EXPECT_EQ(b.compute_ns, 100);                 // 200-300 (the launch 200-150 is inside it)
    EXPECT_EQ(b.h2d_ns, 50 + 100 + 100);          // staging 50-100, exposed copy 100-200, next staging 900-1000
    EXPECT_EQ(b.data_wait_ns, 50 + (900 - 300));  // this batch 0-50, the next 300-900 beyond compute
    EXPECT_EQ(b.parts_sum(), b.wall_ns);
}

// Without device times (the fake plugin's events, or none): the launch and the host's wait are
// compute, nothing more is claimed.
TEST(PipelinedStep, WithoutDeviceTimesTheLaunchAndTheWaitAreCompute) {
    PipelinedStepTimes t;
    t.t0 = t.t1 = t.t2 = 0;
    t.tl = 100, t.tw = 150, t.ts = 180, t.t3 = 300;
    std::vector<Event> ev, host;
    pipelined_step_events(t, 1, ev, &host);
    const Breakdown b = compute_breakdown(0, 300, ev);
    EXPECT_EQ(b.compute_ns, 100 + 120);
    EXPECT_EQ(b.data_wait_ns, 50);
    EXPECT_EQ(b.h2d_ns, 30);
    EXPECT_EQ(b.parts_sum(), b.wall_ns);
    // The host's own parts, for CUPTI (which brings the device's copy and compute): no compute.
    ASSERT_EQ(host.size(), 4u);
    for (const Event& e : host) EXPECT_NE(e.phase, Phase::Compute);
}
