// The raw events an import keeps with its session, and what the session-detail views and the
// Chrome export make of them. Every number is worked out by hand from small_gpu_trace()
// (trace_files.cpp): times relative to step 7's start (1000 us).
//   kept (10): ProfilerStep#7 as its window [0,150) (the span [0,100) extended by the GPU work
//     launched in it, clipped at step 8) and its DataLoader wait [0,20) on CPU thread 1;
//     Memcpy HtoD pinned [25,35) 4096 B, gemm_kernel [35,75), Memset [110,130), late_kernel
//     [140,160) on GPU stream 7; ncclKernel [70,90) on GPU stream 8; ProfilerStep#8 [150,200),
//     its DataLoader wait [150,180); Memcpy DtoH pageable [170,190) 100 B on stream 7.
//   kernels: gemm_kernel 40 us (50%), late_kernel 20 us (25%), ncclKernel 20 us (25%).
//   copies: DtoH pageable 1 call 100 B in 20 us = 0.005 GB/s; HtoD pinned 1 call 4096 B in
//     10 us = 0.4096 GB/s.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "batchscope/analysis/session_detail.h"
#include "batchscope/analysis/session_trace.h"
#include "batchscope/profiler/event.h"
#include "batchscope/store/session_store.h"
#include "batchscope/trace_import/import_session.h"
#include "batchscope/trace_import/stored_events.h"
#include "trace_files.h"

using namespace batchscope;
using namespace batchscope::trace_import;

namespace {
constexpr int64_t us = 1000;

int64_t import_small(const bs_trace_test::TempDir& d, const std::string& db) {
    bs_trace_test::write_text(d.path("job.json"), bs_trace_test::small_gpu_trace());
    const ImportBatch b = import_traces({d.path("job.json")}, db);
    return b.ids.at(0);
}

const store::EventRow* find_named(const std::vector<store::EventRow>& rows, const std::string& name) {
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const store::EventRow& r) { return r.name == name; });
    return it == rows.end() ? nullptr : &*it;
}
}  // namespace

TEST(StoredEvents, AnImportKeepsItsStepsKernelsAndCopiesWithNamesAndCommStaysComm) {
    bs_trace_test::TempDir d;
    const std::string db = d.path("s.db");
    const int64_t id = import_small(d, db);
    store::SessionStore s(db);
    const auto rows = s.events(id);
    ASSERT_EQ(rows.size(), 10u);
    EXPECT_EQ(rows.front().start_ns, 0);

    const store::EventRow* nccl = find_named(rows, "ncclKernel_AllReduce_RING_LL_Sum_float");
    ASSERT_NE(nccl, nullptr);
    EXPECT_EQ(nccl->part, store::kPartComm);  // a collective, not compute
    EXPECT_EQ(nccl->gpu_kind, static_cast<int>(profiler::GpuActivityKind::Kernel));
    EXPECT_EQ(nccl->start_ns, 70 * us);
    EXPECT_EQ(nccl->end_ns, 90 * us);
    EXPECT_EQ(nccl->id, 7);

    const store::EventRow* gemm = find_named(rows, "gemm_kernel");
    ASSERT_NE(gemm, nullptr);
    EXPECT_EQ(gemm->part, store::kPartAsPhase);
    EXPECT_EQ(gemm->phase, static_cast<int>(profiler::Phase::Compute));

    const store::EventRow* h2d = find_named(rows, "Memcpy HtoD (Pinned -> Device)");
    ASSERT_NE(h2d, nullptr);
    EXPECT_EQ(h2d->phase, static_cast<int>(profiler::Phase::H2D));
    EXPECT_EQ(h2d->direction, static_cast<int>(profiler::CopyDirection::HtoD));
    EXPECT_TRUE(h2d->pinned);
    EXPECT_EQ(h2d->bytes, 4096);

    const store::EventRow* memset = find_named(rows, "Memset (Device)");
    ASSERT_NE(memset, nullptr);
    EXPECT_EQ(memset->part, store::kPartOtherGpu);
    EXPECT_EQ(memset->gpu_kind, static_cast<int>(profiler::GpuActivityKind::Memset));

    const store::EventRow* late = find_named(rows, "late_kernel");
    ASSERT_NE(late, nullptr);
    EXPECT_EQ(late->id, 7);  // launched in step 7, starts before step 8

    int steps = 0, waits = 0;
    for (const auto& r : rows) {
        if (r.phase == static_cast<int>(profiler::Phase::Iteration)) {
            ++steps;
            EXPECT_EQ(r.lane_kind, static_cast<int>(profiler::LaneKind::Controller));
            EXPECT_EQ(r.end_ns - r.start_ns, r.id == 7 ? 150 * us : 50 * us);  // the windows
        }
        if (r.phase == static_cast<int>(profiler::Phase::DataWait)) ++waits;
    }
    EXPECT_EQ(steps, 2);
    EXPECT_EQ(waits, 2);

    const auto lanes = s.lane_names(id);
    std::vector<std::string> names;
    for (const auto& l : lanes) names.push_back(l.name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"CPU thread 1", "GPU stream 7", "GPU stream 8"}));
}

TEST(StoredEvents, KernelAndCopyTablesOfAnImportedSessionByHand) {
    bs_trace_test::TempDir d;
    const std::string db = d.path("s.db");
    const int64_t id = import_small(d, db);
    store::SessionStore s(db);
    const analysis::SessionDetail det = analysis::session_detail(s, id);
    ASSERT_EQ(det.kernels.size(), 3u);
    EXPECT_EQ(det.kernels[0].name, "gemm_kernel");
    EXPECT_EQ(det.kernels[0].calls, 1);
    EXPECT_EQ(det.kernels[0].total_ns, 40 * us);
    EXPECT_EQ(det.kernels[1].name, "late_kernel");
    EXPECT_EQ(det.kernels[1].total_ns, 20 * us);
    EXPECT_EQ(det.kernels[2].name, "ncclKernel_AllReduce_RING_LL_Sum_float");
    EXPECT_EQ(det.kernels[2].total_ns, 20 * us);
    EXPECT_EQ(det.kernel_total_ns, 80 * us);

    ASSERT_EQ(det.copies.size(), 2u);
    EXPECT_EQ(det.copies[0].direction, profiler::CopyDirection::DtoH);
    EXPECT_FALSE(det.copies[0].pinned);
    EXPECT_EQ(det.copies[0].calls, 1);
    EXPECT_EQ(det.copies[0].bytes, 100u);
    EXPECT_DOUBLE_EQ(det.copies[0].gb_per_s(), 0.005);
    EXPECT_EQ(det.copies[1].direction, profiler::CopyDirection::HtoD);
    EXPECT_TRUE(det.copies[1].pinned);
    EXPECT_EQ(det.copies[1].bytes, 4096u);
    EXPECT_DOUBLE_EQ(det.copies[1].gb_per_s(), 0.4096);
    EXPECT_TRUE(det.tables_note.empty());

    // The timeline: all ten events, in time order, each device record with its name.
    ASSERT_EQ(det.events.size(), 10u);
    EXPECT_TRUE(std::is_sorted(det.events.begin(), det.events.end(),
                               [](const profiler::Event& a, const profiler::Event& b) { return a.start_ns < b.start_ns; }));
    EXPECT_EQ(analysis::detail_lane_name(det, {profiler::LaneKind::ComputeStream, 1}), "GPU stream 8");
    EXPECT_NE(det.scope.find("2 of 2 steps"), std::string::npos) << det.scope;
}

TEST(StoredEvents, ChromeExportOfAnImportedSessionUsesTheStoredNamesAndReadsBackAsComm) {
    bs_trace_test::TempDir d;
    const std::string db = d.path("s.db");
    const int64_t id = import_small(d, db);
    store::SessionStore s(db);
    std::ostringstream os;
    analysis::write_session_trace(s, id, os);
    const std::string json = os.str();
    EXPECT_NE(json.find("\"ncclKernel_AllReduce_RING_LL_Sum_float\""), std::string::npos);
    EXPECT_NE(json.find("\"gemm_kernel\""), std::string::npos);
    EXPECT_NE(json.find("Memcpy HtoD (Pinned -> Device)"), std::string::npos);
    EXPECT_NE(json.find("Memcpy DtoH (Device -> Pageable)"), std::string::npos);
    EXPECT_EQ(json.find("rebuilt"), std::string::npos);  // the stored events, not the rebuilt steps
    // Its lanes carry the names stored at import (they read "training loop (controller)" and
    // "compute stream 7" before).
    EXPECT_NE(json.find("\"name\":\"CPU thread 1\""), std::string::npos);
    EXPECT_NE(json.find("\"name\":\"GPU stream 8\""), std::string::npos);
    EXPECT_EQ(json.find("training loop (controller)"), std::string::npos);
    // Read again, the steps are the original's (trace_reader_test.cpp works them out): step 7
    // is stored as its window [0, 150), so the export needs no runtime calls to extend it.
    bs_trace_test::write_text(d.path("again.json"), json);
    ParsedTrace t = read_trace(d.path("again.json"));
    bs_trace_test::expect_small_gpu_trace_steps(analyse_trace(t));
}

TEST(StoredEvents, TheChromeExportRebuildsTheStepsNotKeptSoEveryStepComesBack) {
    bs_trace_test::TempDir d;
    bs_trace_test::write_text(d.path("job.json"), bs_trace_test::small_gpu_trace());
    ReadOptions opt;
    opt.keep_events = 7;  // step 7's events only
    const std::string db = d.path("s.db");
    const int64_t id = save_imported(db, load_trace(d.path("job.json"), opt), "cut", "t");
    store::SessionStore s(db);
    EXPECT_EQ(s.events(id).size(), 7u);
    std::ostringstream os;
    const std::vector<std::string> notes = analysis::write_session_trace(s, id, os);
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_NE(notes[1].find("other 1 steps are rebuilt"), std::string::npos) << notes[1];
    bs_trace_test::write_text(d.path("again.json"), os.str());
    ParsedTrace t = read_trace(d.path("again.json"));
    // Both steps as the original (trace_reader_test.cpp): step 7 from its kept events (the late
    // kernel cut at step 8's start), step 8 rebuilt from its row.
    bs_trace_test::expect_small_gpu_trace_steps(analyse_trace(t));
}

TEST(StoredEvents, TheCapKeepsWholeStepsFromTheFirstAndSaysWhatWasLeftOut) {
    bs_trace_test::TempDir d;
    bs_trace_test::write_text(d.path("job.json"), bs_trace_test::small_gpu_trace());
    ParsedTrace t = read_trace(d.path("job.json"));
    const TraceAnalysis a = analyse_trace(t);
    // Step 7's window [1000, 1150) starts 7 kept events; step 8 three more.
    const KeptEvents seven = keep_events(t, a, 7);
    EXPECT_EQ(seven.activities.size(), 7u);
    EXPECT_EQ(seven.steps_kept, 1);
    EXPECT_EQ(seven.first_step, 7);
    EXPECT_EQ(seven.last_step, 7);
    EXPECT_FALSE(seven.partial);
    EXPECT_EQ(seven.left_out, 3u);
    const KeptEvents nine = keep_events(t, a, 9);  // not enough for step 8: still one step
    EXPECT_EQ(nine.activities.size(), 7u);
    const KeptEvents three = keep_events(t, a, 3);  // step 7 alone is over the cap: its first 3
    EXPECT_EQ(three.activities.size(), 3u);
    EXPECT_TRUE(three.partial);
    EXPECT_EQ(three.steps_kept, 0);
    EXPECT_EQ(three.left_out, 7u);
    EXPECT_TRUE(keep_events(t, a, 0).activities.empty());
}

TEST(StoredEvents, ARealNcclTraceKeepsNamedCollectivesUnderTheCap) {
    bs_trace_test::TempDir d;
    const std::string db = d.path("s.db");
    const ImportBatch b = import_traces({std::string(BS_TRACE_DATA) + "/nccl-2ranks-rank0.json.gz"}, db);
    store::SessionStore s(db);
    const auto rows = s.events(b.ids.at(0));
    EXPECT_GT(rows.size(), 0u);
    EXPECT_LE(rows.size(), 20'000u);
    EXPECT_EQ(rows.size(), b.traces[0].kept.activities.size());
    const auto comm = std::count_if(rows.begin(), rows.end(), [](const store::EventRow& r) { return r.part == store::kPartComm; });
    EXPECT_GT(comm, 0);
    for (const auto& r : rows)
        if (r.part == store::kPartComm) {
            EXPECT_NE(r.name.find("nccl"), std::string::npos) << r.name;
        }
    const analysis::SessionDetail det = analysis::session_detail(s, b.ids[0]);
    EXPECT_TRUE(std::any_of(det.kernels.begin(), det.kernels.end(),
                            [](const profiler::KernelRow& k) { return k.name.find("nccl") != std::string::npos; }));
}
