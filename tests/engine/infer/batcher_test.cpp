#include <gtest/gtest.h>

#include <thread>

#include "batchscope/engine/infer/batcher.h"
#include "batchscope/profiler/clock.h"

using namespace batchscope::engine::infer;
using batchscope::profiler::now_ns;

namespace {
Request req(int64_t id, int64_t issued) { return {id, id, issued, issued}; }
constexpr int64_t kMs = 1'000'000;
}  // namespace

TEST(Batcher, ReleasesFullBatchesAtOnceAndThePartialOneAfterTheDelay) {
    DynamicBatcher b({4, 40 * kMs});
    const int64_t t0 = now_ns();
    for (int i = 0; i < 10; ++i) b.push(req(i, t0));
    std::vector<Request> out;
    ASSERT_EQ(b.pop(out, 1000 * kMs), DynamicBatcher::Pop::Batch);
    EXPECT_EQ(out.size(), 4u);
    EXPECT_EQ(out.front().id, 0);
    ASSERT_EQ(b.pop(out, 1000 * kMs), DynamicBatcher::Pop::Batch);
    EXPECT_EQ(out.size(), 4u);
    EXPECT_LT(now_ns() - t0, 30 * kMs) << "full batches must not wait for the delay";
    ASSERT_EQ(b.pop(out, 1000 * kMs), DynamicBatcher::Pop::Batch);
    EXPECT_EQ(out.size(), 2u);
    EXPECT_GE(now_ns() - t0, 40 * kMs) << "a partial batch waits for the queue delay";
    EXPECT_EQ(out.back().id, 9);
}

TEST(Batcher, ZeroDelayServesWhateverIsQueued) {
    DynamicBatcher b({8, 0});
    b.push(req(0, now_ns()));
    std::vector<Request> out;
    const int64_t t0 = now_ns();
    ASSERT_EQ(b.pop(out, 1000 * kMs), DynamicBatcher::Pop::Batch);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_LT(now_ns() - t0, 20 * kMs);
}

TEST(Batcher, DelayCountsFromIssueAndAFullBatchEndsTheWaitEarly) {
    DynamicBatcher b({3, 2000 * kMs});
    std::vector<Request> out;
    std::thread producer([&] {
        for (int i = 0; i < 3; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            b.push(req(i, now_ns()));
        }
    });
    const int64_t t0 = now_ns();
    ASSERT_EQ(b.pop(out, 5000 * kMs), DynamicBatcher::Pop::Batch);
    producer.join();
    EXPECT_EQ(out.size(), 3u);
    EXPECT_LT(now_ns() - t0, 1000 * kMs) << "the third request fills the batch: no 2 s wait";
}

TEST(Batcher, TimesOutWhenIdleAndFlushesOnClose) {
    DynamicBatcher b({4, 5000 * kMs});
    std::vector<Request> out;
    EXPECT_EQ(b.pop(out, 5 * kMs), DynamicBatcher::Pop::Timeout);
    b.push(req(0, now_ns()));
    b.push(req(1, now_ns()));
    EXPECT_EQ(b.pop(out, 5 * kMs), DynamicBatcher::Pop::Timeout) << "the delay has not passed";
    EXPECT_TRUE(out.empty());
    b.close();
    ASSERT_EQ(b.pop(out, 5 * kMs), DynamicBatcher::Pop::Batch);
    EXPECT_EQ(out.size(), 2u);
    EXPECT_EQ(b.pop(out, 5 * kMs), DynamicBatcher::Pop::Closed);
}

TEST(Batcher, PolicyChangesApplyToTheNextBatch) {
    DynamicBatcher b({2, 0});
    for (int i = 0; i < 10; ++i) b.push(req(i, now_ns()));
    std::vector<Request> out;
    b.pop(out, kMs);
    EXPECT_EQ(out.size(), 2u);
    b.set_policy({5, 0});
    b.pop(out, kMs);
    EXPECT_EQ(out.size(), 5u);
    EXPECT_EQ(b.depth(), 3u);
    EXPECT_EQ(b.clear(), 3u);
    EXPECT_EQ(b.depth(), 0u);
}
