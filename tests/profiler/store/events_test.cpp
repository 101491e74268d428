// Raw trace events in a session: written in bulk through the recorder's bounded queue, read back
// in time order, counted when the queue is full (never silently lost), exported with the session.
#include <gtest/gtest.h>

#include <filesystem>
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

TEST(SessionEvents, NamedDeviceRecordsAndLaneNamesRoundTripAndTravelWithTheSession) {
    TempFile t;
    SessionMeta m;
    m.mode = "imported";
    int64_t id = 0;
    {
        SessionRecorder rec(t.path, m);
        id = rec.session_id();
        std::vector<EventRow> rows(4);
        rows[0] = {0, 100, 7, 0, 6, 0, 0};  // a host span, no name
        rows[1] = {10, 50, 7, 0, 2, 3, 1};
        rows[1].gpu_kind = 0;
        rows[1].name = "ncclKernel_AllReduce";
        rows[1].part = kPartComm;
        rows[2] = {60, 70, 7, 4096, 1, 3, 1};
        rows[2].gpu_kind = 1;
        rows[2].direction = 1;
        rows[2].pinned = true;
        rows[2].name = "Memcpy HtoD (Pinned -> Device)";
        rows[3] = {80, 90, 8, 0, 2, 3, 1};
        rows[3].gpu_kind = 0;
        rows[3].name = "ncclKernel_AllReduce";  // the same name again: interned once
        rows[3].part = kPartComm;
        EXPECT_EQ(rec.add_events(rows), 4u);
        rec.set_lane_name(3, 1, "GPU stream 7");
        rec.set_lane_name(0, 0, "CPU thread 4711");
        rec.finish("finished");
        EXPECT_EQ(rec.last_error(), "");
    }
    SessionStore s(t.path);
    auto check = [](SessionStore& st, int64_t sid) {
        const auto ev = st.events(sid);
        ASSERT_EQ(ev.size(), 4u);
        EXPECT_EQ(ev[0].gpu_kind, -1);
        EXPECT_EQ(ev[0].name, "");
        EXPECT_EQ(ev[1].name, "ncclKernel_AllReduce");
        EXPECT_EQ(ev[1].gpu_kind, 0);
        EXPECT_EQ(ev[1].part, kPartComm);
        EXPECT_EQ(ev[2].name, "Memcpy HtoD (Pinned -> Device)");
        EXPECT_EQ(ev[2].direction, 1);
        EXPECT_TRUE(ev[2].pinned);
        EXPECT_EQ(ev[2].bytes, 4096);
        EXPECT_EQ(ev[3].name, "ncclKernel_AllReduce");
        const auto lanes = st.lane_names(sid);
        ASSERT_EQ(lanes.size(), 2u);
        EXPECT_EQ(lanes[0].name, "CPU thread 4711");
        EXPECT_EQ(lanes[1].lane_kind, 3);
        EXPECT_EQ(lanes[1].name, "GPU stream 7");
    };
    check(s, id);
    // Exported alone and imported into another file, the names and lanes come along; deleting
    // the session leaves none behind.
    const std::string one = t.sibling("one.db");
    s.export_session(id, one);
    TempFile other;
    SessionStore o(other.path);
    const auto ids = o.import_file(one);
    ASSERT_EQ(ids.size(), 1u);
    check(o, ids[0]);
    o.remove(ids[0]);
    EXPECT_TRUE(o.events(ids[0]).empty());
    EXPECT_TRUE(o.lane_names(ids[0]).empty());
}

TEST(SessionEvents, ASchema2FileWithEventsMigratesAndItsEventsReadAsBefore) {
    // sessions-v2-events.db: sessions-v2.db with three event rows of the schema-2 layout
    // (iteration on the controller, an h2d on copy stream 0, compute on compute stream 0).
    TempFile t;
    std::filesystem::create_directories(t.dir);
    std::filesystem::copy_file(std::string(BS_STORE_TESTDATA) + "/sessions-v2-events.db", t.path);
    SessionStore s(t.path);
    EXPECT_EQ(s.schema_version(), kSchemaVersion);
    const auto list = s.list();
    ASSERT_EQ(list.size(), 1u);
    const auto ev = s.events(list[0].id);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].phase, 6);
    EXPECT_EQ(ev[1].start_ns, 1200);
    EXPECT_EQ(ev[1].bytes, 4096);
    EXPECT_EQ(ev[1].lane_kind, 2);
    EXPECT_EQ(ev[2].phase, 2);
    for (const EventRow& r : ev) {
        EXPECT_EQ(r.name, "");
        EXPECT_EQ(r.gpu_kind, -1);
        EXPECT_EQ(r.part, kPartAsPhase);
    }
    EXPECT_TRUE(s.lane_names(list[0].id).empty());
    EXPECT_EQ(s.check_integrity(), "ok");
}

TEST(SessionEvents, BatchesOfHostEventsAndNamedRecordsBothReadBackWhole) {
    // The writer inserts 64 rows a statement: all-host batches take a shorter insert than batches
    // with a named record; 200 rows give full batches of each kind and a rest.
    TempFile t;
    SessionMeta m;
    m.mode = "imported";
    int64_t id = 0;
    std::vector<EventRow> rows;
    for (int i = 0; i < 200; ++i) {
        EventRow r{i * 10, i * 10 + 5, i, 0, 2, 3, 0};
        if (i >= 64 && i < 128 && i % 3 == 0) {  // only the second batch has named records
            r.gpu_kind = 0;
            r.name = "kernel_" + std::to_string(i % 2);
        }
        rows.push_back(r);
    }
    {
        SessionRecorder rec(t.path, m);
        id = rec.session_id();
        EXPECT_EQ(rec.add_events(rows), 200u);
        rec.finish("finished");
        EXPECT_EQ(rec.last_error(), "");
    }
    SessionStore s(t.path);
    const auto ev = s.events(id);
    ASSERT_EQ(ev.size(), 200u);
    for (size_t i = 0; i < ev.size(); ++i) {
        ASSERT_EQ(ev[i].start_ns, rows[i].start_ns);
        ASSERT_EQ(ev[i].id, rows[i].id);
        ASSERT_EQ(ev[i].name, rows[i].name) << i;
        ASSERT_EQ(ev[i].gpu_kind, rows[i].gpu_kind) << i;
    }
}
