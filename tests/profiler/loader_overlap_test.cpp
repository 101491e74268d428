#include <gtest/gtest.h>

#include "batchscope/profiler/loader_overlap.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using namespace batchscope::profiler::test;

TEST(LoaderOverlap, HiddenIsLoadMinusTheWaitForTheSameBatch) {
    const std::vector<Event> e = {
        ev(Phase::Load, 0, 100, worker(0), 0),    // batch 0: the trainer waited 100 for it
        ev(Phase::Load, 0, 150, worker(1), 1),    // batch 1: waited 20 of 150
        ev(Phase::Load, 100, 180, worker(0), 2),  // batch 2: fully hidden
        ev(Phase::DataWait, 0, 100, kCtl, 0),
        ev(Phase::DataWait, 130, 150, kCtl, 1),
        ev(Phase::DataWait, 200, 200, kCtl, 2),
        ev(Phase::Compute, 100, 130, kCtl, 0),    // ignored
    };
    const LoaderOverlap o = loader_overlap(e);
    ASSERT_EQ(o.batches.size(), 3u);
    EXPECT_EQ(o.batches[0].exposed_ns, 100);
    EXPECT_EQ(o.batches[0].hidden_ns, 0);
    EXPECT_EQ(o.batches[1].exposed_ns, 20);
    EXPECT_EQ(o.batches[1].hidden_ns, 130);
    EXPECT_EQ(o.batches[1].worker, 1);
    EXPECT_EQ(o.batches[2].hidden_ns, 80);
    EXPECT_EQ(o.load_ns, 330);
    EXPECT_EQ(o.exposed_ns, 120);
    EXPECT_EQ(o.hidden_ns, 210);
    ASSERT_EQ(o.busy_per_worker_ns.size(), 2u);
    EXPECT_EQ(o.busy_per_worker_ns[0], 180);
    EXPECT_EQ(o.busy_per_worker_ns[1], 150);
    EXPECT_NEAR(o.hidden_share(), 210.0 / 330.0, 1e-12);
}

TEST(LoaderOverlap, LoadingInTheTrainingThreadIsAllExposed) {
    // workers = 0: the load runs inside the wait, on the controller lane.
    const std::vector<Event> e = {ev(Phase::DataWait, 0, 110, kCtl, 7), ev(Phase::Load, 5, 105, kCtl, 7)};
    const LoaderOverlap o = loader_overlap(e);
    ASSERT_EQ(o.batches.size(), 1u);
    EXPECT_EQ(o.batches[0].worker, -1);
    EXPECT_EQ(o.batches[0].exposed_ns, 100);  // at most the load time
    EXPECT_EQ(o.batches[0].hidden_ns, 0);
    EXPECT_TRUE(o.busy_per_worker_ns.empty());
}

TEST(LoaderOverlap, WaitWithoutItsLoadIsCountedApart) {
    const std::vector<Event> e = {ev(Phase::DataWait, 0, 50, kCtl, 3)};
    const LoaderOverlap o = loader_overlap(e);
    EXPECT_TRUE(o.batches.empty());
    EXPECT_EQ(o.wait_without_load_ns, 50);
    EXPECT_EQ(o.hidden_share(), 0.0);
}

TEST(LoaderOverlap, WaitAfterTheBuildFinishedIsNotExposedLoading) {
    // Built 0..50, but the trainer waited 60..100 (hand-off, waiting behind another batch).
    const std::vector<Event> e = {ev(Phase::Load, 0, 50, worker(0), 4), ev(Phase::DataWait, 60, 100, kCtl, 4),
                                  ev(Phase::Load, 100, 200, worker(1), 5), ev(Phase::DataWait, 150, 220, kCtl, 5)};
    const LoaderOverlap o = loader_overlap(e);
    ASSERT_EQ(o.batches.size(), 2u);
    EXPECT_EQ(o.batches[0].exposed_ns, 0);
    EXPECT_EQ(o.batches[0].hidden_ns, 50);
    EXPECT_EQ(o.batches[1].exposed_ns, 50);  // 150..200
    EXPECT_EQ(o.wait_other_ns, 40 + 20);
}
