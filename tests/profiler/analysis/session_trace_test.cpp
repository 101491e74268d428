// The trace of a stored session: its raw events when it has them, else rebuilt from its rows
// (training and inference), with the notes that say so. Positions are worked out by hand from
// the rows written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis_fixtures.h"
#include "batchscope/analysis/session_trace.h"
#include "batchscope/store/session_store.h"
#include "batchscope/store/store_error.h"

using namespace batchscope;
using namespace batchscope::analysis;
using bs_analysis_test::TempDb;
using profiler::LaneKind;
using profiler::Phase;

namespace {

// Two iterations of 10 ms: wait 2, h2d 0.5, compute 6, d2h 0.25, host the rest.
int64_t record_train(const std::string& db, const std::string& backend, bool with_events) {
    store::SessionRecorder rec(db, bs_analysis_test::meta("train " + backend, "train", backend));
    bs_analysis_test::add_two_iterations(rec, 100'000'000, 1);
    if (with_events) {
        store::EventRow e;
        e.start_ns = 100'000'000;
        e.end_ns = 110'000'000;
        e.id = 0;
        e.phase = static_cast<int>(Phase::Iteration);
        rec.add(e);
        e.phase = 99;  // not a phase of this version
        rec.add(e);
    }
    rec.add(store::KnobRow{110'000'000, 1, "workers", 2, 4});
    rec.finish("finished");
    return rec.session_id();
}

}  // namespace

TEST(SessionTrace, RebuiltFromIterationRowsOnTheCpu) {
    TempDb db;
    const int64_t id = record_train(db.path, "cpu", false);
    store::SessionStore st(db.path, true);
    const SessionTrace t = session_trace(st, id);
    ASSERT_EQ(t.events.size(), 2u * 5);  // iteration, data wait, h2d, compute, d2h
    for (const profiler::Event& e : t.events) EXPECT_EQ(e.lane.kind, LaneKind::Controller);
    const profiler::Event& d2h = t.events[4 + 5];
    EXPECT_EQ(d2h.phase, Phase::D2H);
    EXPECT_EQ(d2h.start_ns, 110'000'000 + 2'000'000 + 500'000 + 6'000'000);
    EXPECT_EQ(d2h.end_ns, d2h.start_ns + 250'000);
    EXPECT_TRUE(t.devices.empty());
    ASSERT_EQ(t.knobs.size(), 1u);
    EXPECT_EQ(t.knobs[0].knob, "workers");
    ASSERT_EQ(t.notes.size(), 1u);
    EXPECT_NE(t.notes[0].find("rebuilt from its 2 iteration rows, controller lane only"), std::string::npos) << t.notes[0];
    EXPECT_EQ(t.process_name, "batchscope session " + std::to_string(id) + ": train cpu");
}

TEST(SessionTrace, RebuiltOnAGpuPutsCopiesAndComputeOnStreams) {
    TempDb db;
    const int64_t id = record_train(db.path, "cuda", false);
    store::SessionStore st(db.path, true);
    std::ostringstream out;
    const std::vector<std::string> notes = write_session_trace(st, id, out);
    ASSERT_EQ(notes.size(), 1u);
    const nlohmann::json doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc.at("deviceProperties").at(0).at("name"), "NVIDIA H100 80GB HBM3");
    int kernels = 0, copies = 0, steps = 0;
    for (const nlohmann::json& e : doc.at("traceEvents")) {
        if (e.at("ph") != "X") continue;
        if (e.at("cat") == "kernel") {
            ++kernels;
            EXPECT_EQ(e.at("tid"), 300);
            EXPECT_DOUBLE_EQ(e.at("dur").get<double>(), 6000.0);
        }
        if (e.at("cat") == "gpu_memcpy") {
            ++copies;
            EXPECT_EQ(e.at("tid"), 200);
        }
        if (e.at("cat") == "user_annotation" && e.at("name").get<std::string>().rfind("ProfilerStep#", 0) == 0) ++steps;
    }
    EXPECT_EQ(kernels, 2);
    EXPECT_EQ(copies, 4);
    EXPECT_EQ(steps, 2);
}

TEST(SessionTrace, StoredEventsAreUsedAndUnknownRowsCounted) {
    TempDb db;
    const int64_t id = record_train(db.path, "cpu", true);
    store::SessionStore st(db.path, true);
    const SessionTrace t = session_trace(st, id);
    ASSERT_EQ(t.events.size(), 1u);  // the stored one, nothing rebuilt
    EXPECT_EQ(t.events[0].phase, Phase::Iteration);
    EXPECT_EQ(t.events[0].end_ns, 110'000'000);
    ASSERT_EQ(t.notes.size(), 1u);
    EXPECT_NE(t.notes[0].find("1 stored event row(s)"), std::string::npos) << t.notes[0];
}

TEST(SessionTrace, InferenceRebuiltFromRequestRows) {
    TempDb db;
    int64_t id = 0;
    {
        store::SessionRecorder rec(db.path, bs_analysis_test::meta("serve", "infer", "cpu"));
        store::RequestRow r;
        r.request_id = 4;
        r.scheduled_ns = 1'000'000;
        r.queue_ns = 300'000;
        r.h2d_ns = 10'000;
        r.compute_ns = 50'000;
        r.d2h_ns = 5'000;
        r.latency_ns = 365'000;
        rec.add(r);
        rec.finish("finished");
        id = rec.session_id();
    }
    store::SessionStore st(db.path, true);
    const SessionTrace t = session_trace(st, id);
    ASSERT_EQ(t.events.size(), 5u);  // request, queue wait, h2d, compute, d2h
    EXPECT_EQ(t.events[0].phase, Phase::Request);
    EXPECT_EQ(t.events[0].end_ns, 1'365'000);
    EXPECT_EQ(t.events[3].phase, Phase::Compute);
    EXPECT_EQ(t.events[3].start_ns, 1'310'000);
    EXPECT_EQ(t.events[3].end_ns, 1'360'000);
    for (const profiler::Event& e : t.events) EXPECT_EQ(e.lane.kind, LaneKind::Requests);
    ASSERT_EQ(t.notes.size(), 1u);
    EXPECT_NE(t.notes[0].find("1 request rows"), std::string::npos);
}

TEST(SessionTrace, NothingToBuildFromIsAnError) {
    TempDb db;
    int64_t empty = 0;
    {
        store::SessionRecorder rec(db.path, bs_analysis_test::meta("empty", "train", "cpu"));
        rec.finish("stopped");
        empty = rec.session_id();
    }
    store::SessionStore st(db.path, true);
    EXPECT_THROW(session_trace(st, empty), store::StoreError);
    EXPECT_THROW(session_trace(st, empty + 1), store::StoreError);
}

TEST(SessionTrace, GpuBackendNames) {
    EXPECT_TRUE(is_gpu_backend("cuda"));
    EXPECT_TRUE(is_gpu_backend("CUDA, NVIDIA H100"));
    EXPECT_FALSE(is_gpu_backend("cpu"));
    EXPECT_FALSE(is_gpu_backend("CPU, OpenBLAS 0.3.21"));
    EXPECT_FALSE(is_gpu_backend("synthetic"));
}
