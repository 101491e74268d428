// A GPU run timed by CUPTI and saved with its events keeps its kernels, copies and memsets as named
// device rows: the saved session's kernel and copy tables (analysis::session_detail, what `sessions
// show --kernels / --copies` and the dashboard's Details… show) are the ones the live run showed,
// each piece of device work is stored once (the stream-lane events made from the records are not
// stored beside them) and drawn once by the Chrome export. Checked WITHOUT a GPU: the fake plugin's
// host-emulated kernels and its fake CUPTI collector (EMULATED records), for a training run and an
// inference stream; a CPU run's saved events are unchanged (plain rows, no tables, the note).
// The conversion itself (DeviceRecordRows) is checked on hand-made records first.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "batchscope/analysis/session_detail.h"
#include "batchscope/analysis/session_trace.h"
#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/session_sink.h"
#include "batchscope/engine/training_run.h"
#include "batchscope/store/session_store.h"
#include "emulated_training.h"
#include "session_event_rows.h"

using namespace batchscope;
using namespace batchscope::engine;
using profiler::CopyDirection;
using profiler::Event;
using profiler::GpuActivity;
using profiler::GpuActivityKind;
using profiler::LaneKind;
using profiler::Phase;

namespace {

GpuActivity record(GpuActivityKind kind, uint32_t stream, int64_t start, int64_t end, int64_t id, const char* name = "",
                   CopyDirection dir = CopyDirection::Unknown, uint64_t bytes = 0) {
    GpuActivity a;
    a.kind = kind;
    a.stream_id = stream;
    a.start_ns = start;
    a.end_ns = end;
    a.id = id;
    a.name = name;
    a.direction = dir;
    a.bytes = bytes;
    a.pinned = kind == GpuActivityKind::Memcpy;
    return a;
}

bool stream_lane(const Event& e) { return e.lane.kind == LaneKind::CopyStream || e.lane.kind == LaneKind::ComputeStream; }

// (start, end, id, phase, lane kind, lane index): what an event and a stored row share.
using Key = std::tuple<int64_t, int64_t, int64_t, int, int, int>;
Key key(const Event& e) {
    return {e.start_ns, e.end_ns, e.id, static_cast<int>(e.phase), static_cast<int>(e.lane.kind), int{e.lane.index}};
}
Key key(const store::EventRow& r) { return {r.start_ns, r.end_ns, r.id, r.phase, r.lane_kind, r.lane_index}; }

// The saved session's tables against the live run's, row by row (same order: by total time).
void expect_same_tables(const analysis::SessionDetail& d, const DeviceView& live) {
    ASSERT_EQ(d.kernels.size(), live.kernels.size());
    for (size_t i = 0; i < d.kernels.size(); ++i) {
        EXPECT_EQ(d.kernels[i].name, live.kernels[i].name) << i;
        EXPECT_EQ(d.kernels[i].calls, live.kernels[i].calls) << d.kernels[i].name;
        EXPECT_EQ(d.kernels[i].total_ns, live.kernels[i].total_ns) << d.kernels[i].name;
        EXPECT_EQ(d.kernels[i].max_ns, live.kernels[i].max_ns) << d.kernels[i].name;
    }
    ASSERT_EQ(d.copies.size(), live.copies.size());
    for (size_t i = 0; i < d.copies.size(); ++i) {
        EXPECT_EQ(d.copies[i].direction, live.copies[i].direction) << i;
        EXPECT_EQ(d.copies[i].pinned, live.copies[i].pinned) << i;
        EXPECT_EQ(d.copies[i].calls, live.copies[i].calls) << i;
        EXPECT_EQ(d.copies[i].bytes, live.copies[i].bytes) << i;
        EXPECT_EQ(d.copies[i].total_ns, live.copies[i].total_ns) << i;
    }
    EXPECT_TRUE(d.tables_note.empty()) << d.tables_note;
}

// The stored rows on GPU stream lanes are the named device rows only, one per live stream-lane
// event (same times, id, phase and lane); the Chrome export draws each kernel and copy once.
void expect_stored_once(store::SessionStore& st, int64_t id, const std::vector<Event>& live_events,
                        const analysis::SessionDetail& d) {
    std::vector<Key> live, stored;
    for (const Event& e : live_events)
        if (stream_lane(e)) live.push_back(key(e));
    for (const store::EventRow& r : st.events(id)) {
        const bool lane = r.lane_kind == static_cast<int>(LaneKind::CopyStream) ||
                          r.lane_kind == static_cast<int>(LaneKind::ComputeStream);
        if (!lane) {
            EXPECT_EQ(r.gpu_kind, -1);  // host events stay plain rows
            continue;
        }
        EXPECT_GE(r.gpu_kind, 0) << "an unnamed stream-lane event stored beside the named records";
        stored.push_back(key(r));
    }
    std::sort(live.begin(), live.end());
    std::sort(stored.begin(), stored.end());
    ASSERT_FALSE(live.empty());
    EXPECT_EQ(stored, live);

    std::ostringstream out;
    analysis::write_session_trace(st, id, out);
    const auto trace = nlohmann::json::parse(out.str());
    int64_t kernels = 0, copies = 0, want_kernels = 0, want_copies = 0;
    for (const auto& e : trace["traceEvents"])
        if (e.value("ph", "") == "X") {
            kernels += e.value("cat", "") == "kernel";
            copies += e.value("cat", "") == "gpu_memcpy";
        }
    for (const auto& k : d.kernels) want_kernels += k.calls;
    for (const auto& c : d.copies) want_copies += c.calls;
    EXPECT_EQ(kernels, want_kernels);
    EXPECT_EQ(copies, want_copies);
}

const profiler::CopyRow* htod(const std::vector<profiler::CopyRow>& copies) {
    for (const auto& c : copies)
        if (c.direction == CopyDirection::HtoD) return &c;
    return nullptr;
}

}  // namespace

// Kernels, memsets and device-to-device copies on their stream's compute lane (Compute), copies in
// and out on its copy lane (H2D, D2H), numbered as the live run's stream lanes; runtime calls left
// out; a host-to-host copy kept for the copy table as other device work.
TEST(DeviceRecordRows, NamedRowsOnTheLiveRunsLanes) {
    const std::vector<GpuActivity> recs = {
        record(GpuActivityKind::Memcpy, 7, 100, 200, 3, "", CopyDirection::HtoD, 4096),
        record(GpuActivityKind::Runtime, 0, 90, 95, 3, "cudaLaunchKernel"),
        record(GpuActivityKind::Kernel, 9, 210, 400, 3, "fake_sgemm"),
        record(GpuActivityKind::Memset, 9, 400, 410, 3, "", CopyDirection::Unknown, 64),
        record(GpuActivityKind::Memcpy, 9, 410, 420, 3, "", CopyDirection::DtoD, 128),
        record(GpuActivityKind::Memcpy, 7, 430, 440, -1, "", CopyDirection::DtoH, 40),
        record(GpuActivityKind::Memcpy, 7, 450, 460, -1, "", CopyDirection::HtoH, 8),
    };
    std::vector<Event> live;
    profiler::StreamLanes live_lanes;
    profiler::append_events(recs, live_lanes, live);

    DeviceRecordRows rows;
    std::vector<store::EventRow> out;
    rows.append(std::span(recs).first(3), out);  // in two drains, as a run delivers them
    rows.append(std::span(recs).subspan(3), out);
    ASSERT_EQ(out.size(), 6u);  // the runtime call is not kept
    ASSERT_EQ(live.size(), 5u);
    for (size_t i = 0; i < live.size(); ++i) EXPECT_EQ(key(out[i]), key(live[i])) << i;
    EXPECT_EQ(out[0].gpu_kind, static_cast<int>(GpuActivityKind::Memcpy));
    EXPECT_EQ(out[0].direction, static_cast<int>(CopyDirection::HtoD));
    EXPECT_TRUE(out[0].pinned);
    EXPECT_EQ(out[0].bytes, 4096);
    EXPECT_EQ(out[0].lane_kind, static_cast<int>(LaneKind::CopyStream));
    EXPECT_EQ(out[1].name, "fake_sgemm");
    EXPECT_EQ(out[1].gpu_kind, static_cast<int>(GpuActivityKind::Kernel));
    EXPECT_EQ(out[1].lane_kind, static_cast<int>(LaneKind::ComputeStream));
    EXPECT_EQ(out[1].lane_index, 1);  // stream 9, second seen
    EXPECT_EQ(out[1].part, store::kPartAsPhase);
    EXPECT_EQ(out[2].gpu_kind, static_cast<int>(GpuActivityKind::Memset));
    EXPECT_EQ(out[5].direction, static_cast<int>(CopyDirection::HtoH));
    EXPECT_EQ(out[5].part, store::kPartOtherGpu);
    EXPECT_EQ(out[5].id, -1);

    // The five stream-lane events made from those records are left out of the next events; one
    // no record describes (a batch timed with CUDA events) and host events are kept.
    for (const Event& e : live) EXPECT_TRUE(rows.skip_replaced(e));
    EXPECT_FALSE(rows.skip_replaced(live[0]));
    EXPECT_FALSE(rows.skip_replaced(profiler::make_event(Phase::Iteration, 0, 1, {LaneKind::Controller, 0}, 3)));
}

namespace {

class SavedDeviceRecords : public bs_test::EmulatedTraining {
protected:
    void SetUp() override {
        EmulatedTraining::SetUp();
        setenv("BS_FAKE_CUPTI", "on", 1);
    }
    void TearDown() override {
        unsetenv("BS_FAKE_CUPTI");
        unsetenv("BS_FAKE_COMPUTE");
        unsetenv("BS_FAKE_DEVICE_BYTES");
        unsetenv("BS_FAKE_EVENT_CLOCK");
        EmulatedTraining::TearDown();
    }
    std::string db() const { return d.path + "/sessions.db"; }
};

// Keeps the live run's events and passes everything on to the session sink.
class TrainTee final : public RunSink {
public:
    explicit TrainTee(std::shared_ptr<SessionSink> to) : inner(std::move(to)) {}
    void on_iteration(const IterationRecord& r) override { inner->on_iteration(r); }
    void on_epoch(const EpochRecord& e) override { inner->on_epoch(e); }
    void on_knob_change(const KnobChange& k) override { inner->on_knob_change(k); }
    void on_end(RunState s, const std::string& m) override { inner->on_end(s, m); }
    void on_events(std::span<const Event> e) override {
        events.insert(events.end(), e.begin(), e.end());
        inner->on_events(e);
    }
    void on_device_records(std::span<const GpuActivity> r) override { inner->on_device_records(r); }
    void on_device(const DeviceView& d) override { inner->on_device(d); }
    std::shared_ptr<SessionSink> inner;
    std::vector<Event> events;
};

}  // namespace

TEST_F(SavedDeviceRecords, AGpuTrainingRunKeepsTheLiveKernelAndCopyTables) {
    const TrainConfig c = config("cuda");
    auto sink = std::make_shared<SessionSink>(db(), c, "emulated gpu");
    sink->set_save_events(true);
    auto tee = std::make_shared<TrainTee>(sink);
    TrainingRun run(c);
    run.set_sink(tee);
    run.start();
    run.wait();
    const auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    ASSERT_EQ(s->gpu_timing.mode, profiler::GpuTimingMode::Cupti) << s->gpu_timing.describe();
    EXPECT_EQ(sink->events_dropped(), 0u);
    ASSERT_FALSE(s->device.kernels.empty());

    store::SessionStore st(db(), true);
    const analysis::SessionDetail dt = analysis::session_detail(st, sink->session_id());
    expect_same_tables(dt, s->device);
    // The fake's names; 12 steps of 3 forward, 3 weight-gradient and 2 input-gradient GEMMs, and
    // the evaluation's forward GEMMs.
    const auto gemm = std::find_if(dt.kernels.begin(), dt.kernels.end(), [](const auto& k) { return k.name == "fake_sgemm"; });
    ASSERT_NE(gemm, dt.kernels.end());
    EXPECT_GE(gemm->calls, 12 * 8 + 3);
    const profiler::CopyRow* in = htod(dt.copies);
    ASSERT_NE(in, nullptr);
    EXPECT_TRUE(in->pinned);
    EXPECT_GE(in->bytes, uint64_t{600} * 784 * 4);  // every training sample went up, as floats
    expect_stored_once(st, sink->session_id(), tee->events, dt);
    // Each device row carries its iteration: the steps' kernels are named in the timeline.
    size_t named_in_steps = 0;
    for (size_t i = 0; i < dt.events.size(); ++i)
        named_in_steps += dt.names[i] == "fake_sgemm" && dt.events[i].id >= 0 && dt.events[i].id < 12;
    EXPECT_GE(named_in_steps, size_t{12 * 8});
}

TEST_F(SavedDeviceRecords, WithoutSaveEventsNothingIsStored) {
    const TrainConfig c = config("cuda");
    auto sink = std::make_shared<SessionSink>(db(), c, "no events");
    TrainingRun run(c);
    run.set_sink(sink);
    run.start();
    run.wait();
    ASSERT_EQ(run.snapshot()->state, RunState::Finished) << run.snapshot()->message;
    store::SessionStore st(db(), true);
    EXPECT_TRUE(st.events(sink->session_id()).empty());
}

TEST_F(SavedDeviceRecords, ACpuRunsSavedEventsAreUnchanged) {
    const TrainConfig c = config("cpu");
    auto sink = std::make_shared<SessionSink>(db(), c, "cpu");
    sink->set_save_events(true);
    auto tee = std::make_shared<TrainTee>(sink);
    TrainingRun run(c);
    run.set_sink(tee);
    run.start();
    run.wait();
    ASSERT_EQ(run.snapshot()->state, RunState::Finished) << run.snapshot()->message;
    store::SessionStore st(db(), true);
    const std::vector<store::EventRow> rows = st.events(sink->session_id());
    ASSERT_EQ(rows.size(), tee->events.size());  // every event, as a plain row
    std::vector<Key> live, stored;
    for (const Event& e : tee->events) live.push_back(key(e));
    for (const store::EventRow& r : rows) {
        EXPECT_EQ(r.gpu_kind, -1);
        EXPECT_TRUE(r.name.empty());
        stored.push_back(key(r));
    }
    std::sort(live.begin(), live.end());
    std::sort(stored.begin(), stored.end());
    EXPECT_EQ(stored, live);
    const analysis::SessionDetail dt = analysis::session_detail(st, sink->session_id());
    EXPECT_TRUE(dt.kernels.empty());
    EXPECT_TRUE(dt.copies.empty());
    EXPECT_NE(dt.tables_note.find("a CPU run has none"), std::string::npos) << dt.tables_note;
}

namespace {

// Keeps the live stream's events and passes everything on to the session sink.
class InferTee final : public infer::InferSink {
public:
    explicit InferTee(std::shared_ptr<infer::InferSessionSink> to) : inner(std::move(to)) {}
    void on_batch(std::span<const infer::RequestRecord> r) override { inner->on_batch(r); }
    void on_knob_change(const KnobChange& k) override { inner->on_knob_change(k); }
    void on_end(RunState s, const std::string& m, const infer::InferResult& r) override { inner->on_end(s, m, r); }
    bool wants_events() const override { return inner->wants_events(); }
    void on_events(std::span<const Event> e) override {
        {
            std::lock_guard lock(events_m);
            events.insert(events.end(), e.begin(), e.end());
        }
        inner->on_events(e);
    }
    void on_device_records(std::span<const GpuActivity> r) override { inner->on_device_records(r); }
    std::shared_ptr<infer::InferSessionSink> inner;
    std::mutex events_m;
    std::vector<Event> events;
};

}  // namespace

TEST_F(SavedDeviceRecords, AGpuInferenceStreamKeepsTheLiveKernelAndCopyTables) {
    setenv("BS_FAKE_EVENT_CLOCK", "host", 1);
    const auto m = model::make_model(model::parse_model_spec("mlp:32,16"), model::Shape{1, 28, 28}, 10, {}, 2);
    save_checkpoint(d.path + "/mlp.ckpt", *m, CheckpointInfo{});
    infer::InferConfig c;
    c.checkpoint = d.path + "/mlp.ckpt";
    c.data_dir = d.path;
    c.backend = "cuda";
    c.mode = infer::LoadMode::Closed;
    c.concurrency = 4;
    c.max_batch = 4;
    c.requests = 200;
    std::shared_ptr<infer::BatchService> service = infer::make_checkpoint_service(c);
    auto sink = std::make_shared<infer::InferSessionSink>(db(), c, *service, "emulated gpu stream");
    sink->set_save_events(true);
    auto tee = std::make_shared<InferTee>(sink);
    infer::InferenceRun run(c, service);
    run.set_sink(tee);
    run.start();
    run.wait();
    ASSERT_EQ(run.snapshot()->state, RunState::Finished) << run.snapshot()->message;
    const auto r = run.result();
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->gpu_timing.mode, profiler::GpuTimingMode::Cupti) << r->gpu_timing.describe();
    ASSERT_FALSE(r->device.kernels.empty());
    EXPECT_EQ(sink->events_dropped(), 0u);

    store::SessionStore st(db(), true);
    const analysis::SessionDetail dt = analysis::session_detail(st, sink->session_id());
    expect_same_tables(dt, r->device);
    EXPECT_NE(std::find_if(dt.kernels.begin(), dt.kernels.end(), [](const auto& k) { return k.name == "fake_sgemm"; }),
              dt.kernels.end());
    const profiler::CopyRow* in = htod(dt.copies);
    ASSERT_NE(in, nullptr);
    EXPECT_GE(in->bytes, uint64_t{200} * 784 * 4);  // every request's sample went up, as floats
    std::vector<Event> live;
    {
        std::lock_guard lock(tee->events_m);
        live = tee->events;
    }
    expect_stored_once(st, sink->session_id(), live, dt);
}
