// The session-detail views' data for sessions of our own runs (imported sessions:
// tests/profiler/trace_import/stored_events_test.cpp): the stored events when there are some,
// else the steps rebuilt from the rows; no kernel or copy table without named device records, and
// a note saying why (a saved CUPTI-timed GPU run's tables: tests/engine/gpu/
// gpu_saved_device_records_emulated_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>

#include "analysis_fixtures.h"
#include "batchscope/analysis/session_detail.h"
#include "batchscope/store/session_store.h"
#include "batchscope/store/store_error.h"

using namespace batchscope;
using namespace batchscope::analysis;
using bs_analysis_test::TempDb;
using profiler::LaneKind;
using profiler::Phase;

namespace {
// Two 10 ms iterations on a GPU backend (wait 2, h2d 0.5, compute 6, d2h 0.25), with or without
// stored events (an iteration on the controller and its compute on compute stream 0).
int64_t record(const std::string& db, bool with_events) {
    store::SessionRecorder rec(db, bs_analysis_test::meta("run", "train", "cuda"));
    bs_analysis_test::add_two_iterations(rec, 0, 0);
    if (with_events) {
        std::vector<store::EventRow> ev(2);
        ev[0] = {0, 10'000'000, 0, 0, static_cast<int>(Phase::Iteration), static_cast<int>(LaneKind::Controller), 0};
        ev[1] = {2'500'000, 8'500'000, 0, 0, static_cast<int>(Phase::Compute), static_cast<int>(LaneKind::ComputeStream), 0};
        rec.add_events(ev);
    }
    rec.finish("finished");
    return rec.session_id();
}
}  // namespace

TEST(SessionDetail, OurOwnRunsStoredEventsWithoutTables) {
    TempDb db;
    const int64_t id = record(db.path, true);
    store::SessionStore st(db.path, true);
    const SessionDetail d = session_detail(st, id);
    ASSERT_EQ(d.events.size(), 2u);
    EXPECT_EQ(d.events[1].lane.kind, LaneKind::ComputeStream);
    EXPECT_EQ(d.names, (std::vector<std::string>{"", ""}));
    EXPECT_TRUE(d.kernels.empty());
    EXPECT_TRUE(d.copies.empty());
    EXPECT_NE(d.tables_note.find("own runs keep them only on the GPU, timed by CUPTI and saved with --save-events"),
              std::string::npos)
        << d.tables_note;
    EXPECT_NE(d.scope.find("2 stored trace events"), std::string::npos) << d.scope;
    EXPECT_EQ(detail_lane_name(d, {LaneKind::ComputeStream, 0}), "compute stream 0");  // no stored name
}

TEST(SessionDetail, WithoutStoredEventsTheStepsAreRebuiltFromTheRows) {
    TempDb db;
    const int64_t id = record(db.path, false);
    store::SessionStore st(db.path, true);
    const SessionDetail d = session_detail(st, id);
    // Per iteration: the iteration, data wait, h2d, compute, d2h (laid end to end), in time order.
    ASSERT_EQ(d.events.size(), 10u);
    EXPECT_TRUE(std::is_sorted(d.events.begin(), d.events.end(),
                               [](const profiler::Event& a, const profiler::Event& b) { return a.start_ns < b.start_ns; }));
    const auto compute = std::find_if(d.events.begin(), d.events.end(), [](const profiler::Event& e) { return e.phase == Phase::Compute; });
    ASSERT_NE(compute, d.events.end());
    EXPECT_EQ(compute->start_ns, 2'500'000);
    EXPECT_EQ(compute->end_ns, 8'500'000);
    EXPECT_EQ(compute->lane.kind, LaneKind::ComputeStream);
    EXPECT_NE(d.scope.find("rebuilt"), std::string::npos);
    EXPECT_TRUE(d.kernels.empty());
    EXPECT_THROW(session_detail(st, id + 1), store::StoreError);
}
