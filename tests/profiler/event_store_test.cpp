#include <gtest/gtest.h>

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
