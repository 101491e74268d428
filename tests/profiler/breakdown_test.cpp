#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "batchscope/profiler/breakdown.h"

using namespace batchscope::profiler;

namespace {
Event ev(Phase p, int64_t s, int64_t e) {
    Event x;
    x.phase = p;
    x.start_ns = s;
    x.end_ns = e;
    return x;
}
}  // namespace

TEST(Breakdown, DisjointPhasesAndHostRemainder) {
    std::vector<Event> e = {ev(Phase::DataWait, 0, 10), ev(Phase::H2D, 10, 15), ev(Phase::Compute, 15, 80),
                            ev(Phase::D2H, 80, 85)};
    Breakdown b = compute_breakdown(0, 100, e);
    EXPECT_EQ(b.wall_ns, 100);
    EXPECT_EQ(b.data_wait_ns, 10);
    EXPECT_EQ(b.h2d_ns, 5);
    EXPECT_EQ(b.compute_ns, 65);
    EXPECT_EQ(b.d2h_ns, 5);
    EXPECT_EQ(b.host_ns, 15);
    EXPECT_EQ(b.parts_sum(), b.wall_ns);
}

TEST(Breakdown, OverlapGoesToTheHigherPriority) {
    // The next batch's copy overlaps compute; data wait overlaps the copy.
    std::vector<Event> e = {ev(Phase::Compute, 20, 60), ev(Phase::H2D, 40, 70), ev(Phase::DataWait, 0, 50)};
    Breakdown b = compute_breakdown(0, 100, e);
    EXPECT_EQ(b.compute_ns, 40);    // 20..60
    EXPECT_EQ(b.h2d_ns, 10);        // 60..70
    EXPECT_EQ(b.data_wait_ns, 20);  // 0..20
    EXPECT_EQ(b.host_ns, 30);
    EXPECT_EQ(b.parts_sum(), 100);
}

TEST(Breakdown, NestedAndRepeatedIntervalsCountOnce) {
    std::vector<Event> e = {ev(Phase::Compute, 10, 50), ev(Phase::Compute, 20, 30), ev(Phase::Compute, 40, 60),
                            ev(Phase::D2H, 15, 25)};
    Breakdown b = compute_breakdown(0, 100, e);
    EXPECT_EQ(b.compute_ns, 50);  // union 10..60
    EXPECT_EQ(b.d2h_ns, 0);       // fully under compute
    EXPECT_EQ(b.host_ns, 50);
}

TEST(Breakdown, IntervalsAreClippedToTheWindowAndOtherPhasesIgnored) {
    std::vector<Event> e = {ev(Phase::Compute, -50, 10), ev(Phase::DataWait, 90, 200), ev(Phase::Load, 0, 100),
                            ev(Phase::Iteration, 0, 100)};
    Breakdown b = compute_breakdown(0, 100, e);
    EXPECT_EQ(b.compute_ns, 10);
    EXPECT_EQ(b.data_wait_ns, 10);
    EXPECT_EQ(b.host_ns, 80);
}

TEST(Breakdown, EmptyOrInvertedWindowIsZero) {
    std::vector<Event> e = {ev(Phase::Compute, 0, 10)};
    EXPECT_EQ(compute_breakdown(10, 10, e).wall_ns, 0);
    EXPECT_EQ(compute_breakdown(10, 5, e).parts_sum(), 0);
}

TEST(Breakdown, PartsAlwaysSumToWallOnRandomOverlaps) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> t(-100, 1100), ph(0, 5);
    for (int round = 0; round < 500; ++round) {
        std::vector<Event> e;
        for (int i = 0; i < 12; ++i) {
            int a = t(rng), c = t(rng);
            if (a > c) std::swap(a, c);
            e.push_back(ev(static_cast<Phase>(ph(rng)), a, c));
        }
        Breakdown b = compute_breakdown(0, 1000, e);
        ASSERT_EQ(b.parts_sum(), b.wall_ns);
        ASSERT_GE(b.host_ns, 0);
        ASSERT_GE(b.compute_ns, 0);
        ASSERT_GE(b.data_wait_ns, 0);
    }
}

TEST(Breakdown, MeanKeepsTheSumProperty) {
    Breakdown total;
    total.wall_ns = 1000;
    total.compute_ns = 333;
    total.h2d_ns = 333;
    total.data_wait_ns = 333;
    Breakdown m = mean_breakdown(total, 3);
    EXPECT_EQ(m.parts_sum(), m.wall_ns);
    EXPECT_EQ(mean_breakdown(total, 0).wall_ns, 0);
}

TEST(Breakdown, CopyPartsWritesTheWallAndAllSevenPartsAndNothingElse) {
    struct Row {  // the fields of the store's IterationRow that copy_parts writes, and two it must not
        int64_t iteration = 7, wall_ns = -1, compute_ns = -1, comm_ns = -1, h2d_ns = -1, d2h_ns = -1,
                other_gpu_ns = -1, data_wait_ns = -1, host_ns = -1;
        double loss = 0.5;
    };
    Breakdown b;
    b.wall_ns = 1000;
    b.compute_ns = 400;
    b.comm_ns = 200;
    b.h2d_ns = 100;
    b.d2h_ns = 50;
    b.other_gpu_ns = 25;
    b.data_wait_ns = 125;
    b.host_ns = 100;
    Row r;
    copy_parts(b, r);
    EXPECT_EQ(r.wall_ns, 1000);
    EXPECT_EQ(r.compute_ns, 400);
    EXPECT_EQ(r.comm_ns, 200);
    EXPECT_EQ(r.h2d_ns, 100);
    EXPECT_EQ(r.d2h_ns, 50);
    EXPECT_EQ(r.other_gpu_ns, 25);
    EXPECT_EQ(r.data_wait_ns, 125);
    EXPECT_EQ(r.host_ns, 100);
    EXPECT_EQ(r.iteration, 7);
    EXPECT_EQ(r.loss, 0.5);
}
