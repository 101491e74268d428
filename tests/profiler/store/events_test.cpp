// Raw trace events in a session: written in bulk through the recorder's bounded queue, read back
// in time order, counted when the queue is full (never silently lost), exported with the session.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "store_files.h"

using namespace batchscope::store;
using bs_store_test::TempFile;

namespace {
std::vector<EventRow> make_events(int64_t first, int n) {
    std::vector<EventRow> v;
    for (int64_t i = first; i < first + n; ++i)
        v.push_back({1000 * i, 1000 * i + 500, i, 4 * i, static_cast<int>(i % 12), static_cast<int>(i % 4),
                     static_cast<int>(i % 3)});
    return v;
}
std::map<std::string, double> summary_of(SessionStore& s, int64_t id) {
    std::map<std::string, double> m;
    for (auto& [k, v] : s.summary(id)) m[k] = v;
    return m;
}
}  // namespace

TEST(SessionEvents, BulkEventsRoundTripInTimeOrderWithTheirCounts) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    int64_t id = 0;
    {
        SessionRecorder rec(t.path, m);
        id = rec.session_id();
        // Not in time order across calls, as the controller drains lanes.
        auto late = make_events(1000, 130);
        auto early = make_events(0, 1000);
        EXPECT_EQ(rec.add_events(late), 130u);
        EXPECT_EQ(rec.add_events(early), 1000u);
        rec.finish("finished");
        EXPECT_EQ(rec.events_dropped(), 0u);
        EXPECT_EQ(rec.events_written(), 1130u);
    }
    SessionStore s(t.path);
    const auto ev = s.events(id);
    ASSERT_EQ(ev.size(), 1130u);
    for (size_t i = 0; i < ev.size(); ++i) {
        const auto k = static_cast<int64_t>(i);
        ASSERT_EQ(ev[i].start_ns, 1000 * k);
        ASSERT_EQ(ev[i].end_ns, 1000 * k + 500);
        ASSERT_EQ(ev[i].id, k);
        ASSERT_EQ(ev[i].bytes, 4 * k);
        ASSERT_EQ(ev[i].phase, static_cast<int>(k % 12));
        ASSERT_EQ(ev[i].lane_kind, static_cast<int>(k % 4));
        ASSERT_EQ(ev[i].lane_index, static_cast<int>(k % 3));
    }
    const auto sum = summary_of(s, id);
    EXPECT_EQ(sum.at("events_saved"), 1130.0);
    EXPECT_EQ(sum.at("events_dropped"), 0.0);

    // A session exported alone keeps its events.
    const std::string other = t.sibling("one.db");
    s.export_session(id, other);
    SessionStore o(other);
    ASSERT_EQ(o.list().size(), 1u);
    EXPECT_EQ(o.events(o.list()[0].id).size(), 1130u);
}

TEST(SessionEvents, AFullQueueTakesWhatFitsAndCountsTheRest) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    int64_t id = 0;
    uint64_t accepted = 0, dropped = 0;
    {
        SessionRecorder rec(t.path, m, 100);  // a queue of 100 rows
        id = rec.session_id();
        for (int k = 0; k < 50; ++k) accepted += rec.add_events(make_events(k * 1000, 1000));
        rec.finish("finished");
        dropped = rec.events_dropped();
        EXPECT_EQ(rec.dropped(), dropped);  // counted with the session's dropped records too
        EXPECT_EQ(rec.events_written(), accepted);
    }
    EXPECT_EQ(accepted + dropped, 50'000u);
    EXPECT_GT(dropped, 0u);
    SessionStore s(t.path);
    EXPECT_EQ(s.events(id).size(), accepted);
    EXPECT_EQ(s.info(id)->dropped_records, static_cast<int64_t>(dropped));
    const auto sum = summary_of(s, id);
    EXPECT_EQ(sum.at("events_saved"), static_cast<double>(accepted));
    EXPECT_EQ(sum.at("events_dropped"), static_cast<double>(dropped));
}

TEST(SessionEvents, NoEventsNoEventFigures) {
    TempFile t;
    SessionMeta m;
    m.mode = "train";
    int64_t id = 0;
    {
        SessionRecorder rec(t.path, m);
        id = rec.session_id();
        rec.add(IterationRow{});
        rec.finish("finished");
    }
    SessionStore s(t.path);
    EXPECT_TRUE(s.events(id).empty());
    EXPECT_EQ(summary_of(s, id).count("events_saved"), 0u);
}
