// Round trip: a stored Batchscope session exported by the product's own Chrome/Kineto export
// (analysis::write_session_trace, what `sessions export --format chrome` and the dashboard
// write) and imported again (read_trace, analyse_trace) gives the same breakdown per step.
// The sessions are written with the real SessionRecorder into a temporary session file: a CPU
// training session and one on an emulated GPU backend, from iteration rows and from stored raw
// events. The expected parts are the rows written here.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "batchscope/analysis/session_trace.h"
#include "batchscope/profiler/event.h"
#include "batchscope/store/records.h"
#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "batchscope/trace_import/import_session.h"
#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_reader.h"
#include "trace_files.h"

using namespace batchscope;
using namespace batchscope::trace_import;
using profiler::LaneKind;
using profiler::Phase;

namespace {

constexpr const char* kEmulatedGpu = "CUDA, emulated device";

// Five iterations one after another (with a 20 us gap between them), parts in the controller's
// order: data wait, h2d, compute, d2h, then host time.
std::vector<store::IterationRow> session_rows() {
    std::vector<store::IterationRow> rows;
    int64_t start = 5'000'000'000;
    for (int i = 0; i < 5; ++i) {
        store::IterationRow r;
        r.iteration = i;
        r.epoch = 1;
        r.batch_size = 64;
        r.start_ns = start;
        r.data_wait_ns = (i % 2 ? 3'000'000 : 0) + 250'500;
        r.h2d_ns = 400'000 + 1'000 * i;
        r.compute_ns = 2'000'000 + 7'000 * i;
        r.d2h_ns = i == 3 ? 0 : 50'000;
        r.host_ns = 120'000 + 3 * i;
        r.wall_ns = r.data_wait_ns + r.h2d_ns + r.compute_ns + r.d2h_ns + r.host_ns;
        start += r.wall_ns + 20'000;
        rows.push_back(r);
    }
    return rows;
}

void add_event(store::SessionRecorder& rec, Phase phase, LaneKind lane, int64_t start, int64_t end, int64_t id) {
    store::EventRow e;
    e.start_ns = start;
    e.end_ns = end;
    e.id = id;
    e.phase = static_cast<int>(phase);
    e.lane_kind = static_cast<int>(lane);
    rec.add(e);
}

// The raw events a run saves with --save-events, for the rows above: the iteration, its data
// wait and the host's side of each phase on the controller; with a GPU, the copies on copy
// stream 0 and compute on compute stream 0 (the host's launch and wait stay on the controller).
// A loader worker builds the batch meanwhile.
void add_events(store::SessionRecorder& rec, const store::IterationRow& r, bool gpu) {
    const int64_t t0 = r.start_ns, id = r.iteration;
    add_event(rec, Phase::Iteration, LaneKind::Controller, t0, t0 + r.wall_ns, id);
    add_event(rec, Phase::Load, LaneKind::LoaderWorker, t0 - 500'000, t0 + r.data_wait_ns, id + 1);
    if (r.data_wait_ns) add_event(rec, Phase::DataWait, LaneKind::Controller, t0, t0 + r.data_wait_ns, id);
    int64_t t = t0 + r.data_wait_ns;
    for (auto [phase, ns] : {std::pair{Phase::H2D, r.h2d_ns}, {Phase::Compute, r.compute_ns}, {Phase::D2H, r.d2h_ns}}) {
        if (!ns) continue;
        const LaneKind lane = !gpu ? LaneKind::Controller : phase == Phase::Compute ? LaneKind::ComputeStream : LaneKind::CopyStream;
        add_event(rec, phase, lane, t, t + ns, id);
        if (gpu && phase == Phase::Compute)  // the host launches, then waits for the kernel: host time
            add_event(rec, Phase::Compute, LaneKind::Controller, t, t + ns, id);
        t += ns;
    }
}

// A session recorded into `db`, exported with the product's export to `trace`; returns the
// export's notes.
std::vector<std::string> record_and_export(const std::string& db, const std::string& trace, const std::string& backend,
                                           bool with_events) {
    store::SessionMeta m;
    m.name = "round trip " + backend;
    m.mode = "train";
    m.model = "mlp";
    m.backend = backend;
    m.env_json = R"({"gpu":"emulated device"})";
    store::SessionRecorder rec(db, m);
    const bool gpu = analysis::is_gpu_backend(backend);
    for (const store::IterationRow& r : session_rows()) {
        rec.add(r);
        if (with_events) add_events(rec, r, gpu);
    }
    rec.finish("finished");
    store::SessionStore st(db, true);
    std::ofstream out(trace);
    std::vector<std::string> notes = analysis::write_session_trace(st, rec.session_id(), out);
    out.close();
    EXPECT_TRUE(out.good()) << trace;
    return notes;
}

TraceAnalysis import(const std::string& trace) {
    ParsedTrace t = read_trace(trace);
    return analyse_trace(t);
}

// On a GPU backend every part comes back as it was stored.
void expect_gpu_breakdown(const TraceAnalysis& a) {
    const auto rows = session_rows();
    EXPECT_TRUE(a.has_gpu);
    EXPECT_FALSE(a.whole_trace_window);
    ASSERT_EQ(a.steps.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(a.steps[i].number, rows[i].iteration);
        EXPECT_EQ(a.steps[i].wall_ns, rows[i].wall_ns);
        EXPECT_EQ(a.steps[i].data_wait_ns, rows[i].data_wait_ns);
        EXPECT_EQ(a.steps[i].h2d_ns, rows[i].h2d_ns);
        EXPECT_EQ(a.steps[i].compute_ns, rows[i].compute_ns);
        EXPECT_EQ(a.steps[i].d2h_ns, rows[i].d2h_ns);
        EXPECT_EQ(a.steps[i].host_ns, rows[i].host_ns);
        EXPECT_EQ(a.steps[i].comm_ns, 0);
        EXPECT_EQ(a.steps[i].other_gpu_ns, 0);
    }
}

// On the CPU backend compute is an operator on the host (a `cpu_op` in the trace, as PyTorch
// writes a CPU model's operators), which the importer counts as host time: host comes back as
// compute + host. The batch copies (pageable `gpu_memcpy`) keep their h2d and d2h.
void expect_cpu_breakdown(const TraceAnalysis& a) {
    const auto rows = session_rows();
    EXPECT_FALSE(a.whole_trace_window);
    // Its batch copies name no stream and no launch: a CPU session comes back as a CPU trace.
    EXPECT_FALSE(a.has_gpu);
    ASSERT_EQ(a.steps.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(a.steps[i].number, rows[i].iteration);
        EXPECT_EQ(a.steps[i].wall_ns, rows[i].wall_ns);
        EXPECT_EQ(a.steps[i].data_wait_ns, rows[i].data_wait_ns);
        EXPECT_EQ(a.steps[i].h2d_ns, rows[i].h2d_ns);
        EXPECT_EQ(a.steps[i].d2h_ns, rows[i].d2h_ns);
        EXPECT_EQ(a.steps[i].compute_ns, 0);
        EXPECT_EQ(a.steps[i].host_ns, rows[i].compute_ns + rows[i].host_ns);
        EXPECT_EQ(a.steps[i].comm_ns + a.steps[i].other_gpu_ns, 0);
    }
}

}  // namespace

TEST(RoundTrip, EmulatedGpuSessionFromRowsGivesTheSameBreakdown) {
    bs_trace_test::TempDir d;
    const auto notes = record_and_export(d.path("s.db"), d.path("gpu.json"), kEmulatedGpu, false);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("rebuilt from its 5 iteration rows"), std::string::npos) << notes[0];
    const TraceAnalysis a = import(d.path("gpu.json"));
    expect_gpu_breakdown(a);
}

TEST(RoundTrip, EmulatedGpuSessionFromStoredEventsGivesTheSameBreakdown) {
    bs_trace_test::TempDir d;
    EXPECT_TRUE(record_and_export(d.path("s.db"), d.path("gpu.json"), kEmulatedGpu, true).empty());
    expect_gpu_breakdown(import(d.path("gpu.json")));
}

TEST(RoundTrip, CpuSessionFromRowsCountsComputeAsHost) {
    bs_trace_test::TempDir d;
    const auto notes = record_and_export(d.path("s.db"), d.path("cpu.json"), "cpu", false);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("controller lane only"), std::string::npos) << notes[0];
    expect_cpu_breakdown(import(d.path("cpu.json")));
}

TEST(RoundTrip, CpuSessionFromStoredEventsCountsComputeAsHost) {
    bs_trace_test::TempDir d;
    EXPECT_TRUE(record_and_export(d.path("s.db"), d.path("cpu.json"), "cpu", true).empty());
    expect_cpu_breakdown(import(d.path("cpu.json")));
}

TEST(RoundTrip, ExportCarriesKinetoMetadata) {
    bs_trace_test::TempDir d;
    record_and_export(d.path("s.db"), d.path("gpu.json"), kEmulatedGpu, false);
    ParsedTrace t = read_trace(d.path("gpu.json"));
    EXPECT_EQ(t.meta.rank, 0);
    EXPECT_EQ(t.meta.rank_source, "distributedInfo");
    EXPECT_EQ(t.meta.world_size, 1);
    ASSERT_EQ(t.meta.devices.size(), 1u);
    EXPECT_EQ(t.meta.devices[0], "emulated device");
}

// An imported multi-GPU trace (128-rank NCCL job, rank 0: 337 ms of collectives, 0.3 ms of
// memsets and other device work) saved as a session, exported, and imported again: every part
// of every step comes back, comm and other device work included. The export is of the events
// kept at import (both steps fit under the cap), kernels under their names, each step as the
// window its breakdown used; before the events were kept, it was rebuilt from the rows.
TEST(RoundTrip, ImportedSessionKeepsItsCommAndOtherDeviceWork) {
    bs_trace_test::TempDir d;
    const std::string db = d.path("s.db");
    const int64_t id = save_imported(db, load_trace(std::string(BS_TRACE_DATA) + "/rank-0.json.gz"), "rank 0", "t");
    store::SessionStore st(db, true);
    const std::vector<store::IterationRow> rows = st.iterations(id);
    ASSERT_EQ(rows.size(), 2u);
    int64_t comm = 0, other = 0;
    for (const auto& r : rows) comm += r.comm_ns, other += r.other_gpu_ns;
    ASSERT_EQ(comm, 336'983'000);  // tests/data/traces/expected_shares.json
    ASSERT_EQ(other, 331'000);
    {
        std::ofstream out(d.path("again.json"));
        const std::vector<std::string> notes = analysis::write_session_trace(st, id, out);
        ASSERT_EQ(notes.size(), 1u);
        EXPECT_NE(notes[0].find("2 of 2 steps"), std::string::npos) << notes[0];
    }
    const TraceAnalysis a = import(d.path("again.json"));
    EXPECT_TRUE(a.has_gpu);
    ASSERT_EQ(a.steps.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(a.steps[i].number, rows[i].iteration);
        EXPECT_EQ(a.steps[i].wall_ns, rows[i].wall_ns);
        EXPECT_EQ(a.steps[i].compute_ns, rows[i].compute_ns);
        EXPECT_EQ(a.steps[i].comm_ns, rows[i].comm_ns);
        EXPECT_EQ(a.steps[i].h2d_ns, rows[i].h2d_ns);
        EXPECT_EQ(a.steps[i].d2h_ns, rows[i].d2h_ns);
        EXPECT_EQ(a.steps[i].other_gpu_ns, rows[i].other_gpu_ns);
        EXPECT_EQ(a.steps[i].data_wait_ns, rows[i].data_wait_ns);
        EXPECT_EQ(a.steps[i].host_ns, rows[i].host_ns);
    }
}
