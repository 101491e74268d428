#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "batchscope/profiler/event_store.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using namespace batchscope::profiler::test;

namespace {
std::vector<Event> run(int64_t first, int n) {
    std::vector<Event> v;
    for (int64_t i = first; i < first + n; ++i) v.push_back(ev(Phase::Compute, i * 10, i * 10 + 5, kCtl, i));
    return v;
}
std::vector<int64_t> ids(const EventStore& s) {
    std::vector<int64_t> out;
    for (const Event& e : s.events()) out.push_back(e.id);
    return out;
}
}  // namespace

TEST(EventStore, KeepsTheNewestAndCountsEvictions) {
    EventStore s(4);
    s.append(run(0, 3));
    EXPECT_EQ(ids(s), (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(s.evicted(), 0u);
    s.append(run(3, 3));
    EXPECT_EQ(ids(s), (std::vector<int64_t>{2, 3, 4, 5}));
    EXPECT_EQ(s.evicted(), 2u);
    EXPECT_EQ(s.appended(), 6u);
    s.append(run(6, 10));  // more than the capacity at once
    EXPECT_EQ(ids(s), (std::vector<int64_t>{12, 13, 14, 15}));
    EXPECT_EQ(s.evicted(), 12u);
    EXPECT_EQ(s.size(), 4u);
    s.append(run(16, 1));
    EXPECT_EQ(ids(s), (std::vector<int64_t>{13, 14, 15, 16}));
    EXPECT_EQ(s.evicted() + s.size(), s.appended());
}

TEST(EventStore, OverlappingWindowAndClear) {
    EventStore s(100);
    s.append(run(0, 10));  // [0,5) [10,15) ...
    const auto w = s.overlapping(12, 31);
    ASSERT_EQ(w.size(), 3u);  // 10..15, 20..25, 30..35
    EXPECT_EQ(w.front().id, 1);
    EXPECT_TRUE(s.overlapping(5, 10).empty());
    s.clear();
    EXPECT_EQ(s.size(), 0u);
    EXPECT_TRUE(s.events().empty());
}

TEST(EventStore, ChunkedStoreKeepsExactCountsAcrossManyChunks) {
    EventStore s(10'000);  // chunks of 4096: eviction goes event by event, chunks leave whole
    for (int64_t i = 0; i < 25'000; i += 1000) s.append(run(i, 1000));
    EXPECT_EQ(s.size(), 10'000u);
    EXPECT_EQ(s.evicted(), 15'000u);
    const auto v = s.events();
    ASSERT_EQ(v.size(), 10'000u);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i].id, static_cast<int64_t>(15'000 + i));
}

TEST(EventStore, WindowIsTheNewestAndStaysValidWhileTheStoreMovesOn) {
    EventStore s(5000);
    s.append(run(0, 4500));
    const EventWindow w = s.window(1000);
    EXPECT_EQ(w.size(), 1000u);
    EXPECT_EQ(w.first_sequence(), 3500u);
    EXPECT_EQ(w.end_sequence(), 4500u);
    // The store evicts the chunks the window uses and writes far past them.
    s.append(run(4500, 20'000));
    const auto v = w.to_vector();
    ASSERT_EQ(v.size(), 1000u);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i].id, static_cast<int64_t>(3500 + i)) << i;
    // Only what is new since a window: by sequence number, across the evictions.
    const EventWindow w2 = s.window(1u << 20);
    EXPECT_EQ(w2.size(), 5000u);
    EXPECT_EQ(w2.first_sequence(), 19'500u);
    const auto fresh = w2.since(24'000);
    ASSERT_EQ(fresh.size(), 500u);
    EXPECT_EQ(fresh.front().id, 24'000);
    EXPECT_EQ(w2.since(0).size(), 5000u);  // older than the window: all it has
    EXPECT_TRUE(w2.since(w2.end_sequence()).empty());
    EXPECT_EQ(w2.overlapping(240'000, 240'011).size(), 2u);  // ids 24000, 24001
}

TEST(EventStore, WindowOfAnEmptyOrClearedStore) {
    EventStore s(100);
    EXPECT_TRUE(s.window(10).empty());
    s.append(run(0, 50));
    const EventWindow w = s.window(10);
    s.clear();
    EXPECT_EQ(s.window(10).size(), 0u);
    EXPECT_EQ(w.to_vector().back().id, 49);  // the window keeps its events
}

// One writer appends and publishes windows; readers on other threads read them while the writer
// goes on (run under the thread sanitizer in CI's sanitizer job, where one exists).
TEST(EventStore, ReadersOfWindowsNeverSeeHalfWrittenEvents) {
    EventStore s(20'000);
    std::mutex m;
    EventWindow latest;
    std::atomic<bool> done{false};
    std::atomic<int64_t> bad{0}, read{0};
    std::thread reader([&] {
        while (!done.load()) {
            EventWindow w;
            {
                std::lock_guard lock(m);
                w = latest;
            }
            uint64_t seq = w.first_sequence();
            w.for_each([&](const Event& e) {
                if (e.id != static_cast<int64_t>(seq) || e.start_ns != e.id * 10) ++bad;
                ++seq;
            });
            read += static_cast<int64_t>(w.size());
        }
    });
    for (int64_t i = 0; i < 200'000; i += 100) {
        s.append(run(i, 100));
        std::lock_guard lock(m);
        latest = s.window(3000);
    }
    // The reader may not have been scheduled yet on a busy machine: let it read at least once.
    while (read.load() == 0) std::this_thread::yield();
    done = true;
    reader.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(read.load(), 0);
}
