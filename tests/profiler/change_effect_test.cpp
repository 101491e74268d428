#include <gtest/gtest.h>

#include "batchscope/profiler/change_effect.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using batchscope::profiler::test::iterations;

namespace {
void append(std::vector<IterationSample>& to, const std::vector<IterationSample>& more) {
    to.insert(to.end(), more.begin(), more.end());
}
}  // namespace

TEST(ChangeEffect, PrefetchChangeThatRemovedTheWait) {
    std::vector<IterationSample> its = iterations(0, 60, 128, 10'000'000, 6'000'000, 4'000'000);
    append(its, iterations(60, 2, 128, 9'000'000, 5'000'000, 4'000'000));  // refill, skipped
    append(its, iterations(62, 40, 128, 4'000'000, 0, 3'800'000));
    const KnobMarker m{0, 60, "prefetch_depth", 1, 4};
    const ChangeEffect e = effect_of_change(its, m);
    ASSERT_TRUE(e.measured);
    EXPECT_EQ(e.before.first_iteration, 10);  // the last 50 before the change
    EXPECT_EQ(e.before.iterations, 50);
    EXPECT_EQ(e.after.first_iteration, 62);  // after the settle iterations
    EXPECT_EQ(e.after.iterations, 40);
    EXPECT_NEAR(e.step_change, -0.6, 1e-9);
    EXPECT_NEAR(e.throughput_change, 1.5, 1e-9);
    EXPECT_NEAR(e.data_wait_share_delta, -0.6, 1e-9);
    EXPECT_EQ(e.verdict_before, Bottleneck::InputBound);
    EXPECT_EQ(e.verdict_after, Bottleneck::ComputeBound);
    EXPECT_NE(e.text.find("prefetch depth 1 → 4"), std::string::npos) << e.text;
    EXPECT_NE(e.text.find("input-bound → compute-bound"), std::string::npos) << e.text;
    EXPECT_NE(e.text.find("-60.0%"), std::string::npos) << e.text;
}

TEST(ChangeEffect, NeighbouringChangesBoundTheWindows) {
    std::vector<IterationSample> its = iterations(0, 100, 64, 1000, 0, 900);
    const std::vector<KnobMarker> ms = {{0, 20, "workers", 2, 3}, {0, 40, "batch_size", 64, 128}, {0, 70, "workers", 3, 4}};
    const auto effects = effects_of_changes(its, ms);
    ASSERT_EQ(effects.size(), 3u);
    EXPECT_EQ(effects[1].before.first_iteration, 20);
    EXPECT_EQ(effects[1].before.last_iteration, 39);
    EXPECT_EQ(effects[1].after.first_iteration, 42);
    EXPECT_EQ(effects[1].after.last_iteration, 69);
    EXPECT_EQ(effects[0].before.first_iteration, 0);
    EXPECT_NE(effects[1].text.find("still compute-bound"), std::string::npos) << effects[1].text;
}

TEST(ChangeEffect, NothingAfterTheChangeYet) {
    const auto its = iterations(0, 10, 64, 1000, 0, 900);
    const ChangeEffect e = effect_of_change(its, {0, 10, "prefetch_depth", 2, 8});
    EXPECT_FALSE(e.measured);
    EXPECT_NE(e.text.find("no iterations after the change yet"), std::string::npos);
    // One iteration after: the settle skip falls back to using it.
    const auto more = iterations(0, 11, 64, 1000, 0, 900);
    EXPECT_TRUE(effect_of_change(more, {0, 10, "prefetch_depth", 2, 8}).measured);
}

TEST(ChangeEffect, DescribesKnobsInWords) {
    EXPECT_EQ(describe({0, 0, "workers", 2, 3}), "loader workers 2 → 3");
    EXPECT_EQ(describe({0, 0, "batch_size", 32, 128}), "batch size 32 → 128");
    EXPECT_EQ(describe({0, 0, "pinned_memory", 0, 1}), "page-locked buffers off → on");
}
