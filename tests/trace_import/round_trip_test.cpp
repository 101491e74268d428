// Round trip: a Batchscope session written as a Kineto trace and imported again gives the same
// breakdown. The trace is written here by write_session_as_kineto(), which follows what the
// Chrome export is to write (a ProfilerStep#N user_annotation per iteration on the controller
// thread, `kernel` and `gpu_memcpy` events joined to their launches by correlation, DataLoader
// spans named enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__); once that export
// writes Kineto's categories, point the helper at it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "batchscope/store/records.h"
#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_reader.h"
#include "trace_files.h"

using namespace batchscope;
using namespace batchscope::trace_import;

namespace {

// Iterations one after another; inside each: data wait, launch of the copy, h2d, compute, d2h,
// then host time. GPU work is launched 1 us before it starts (so it is queued, never idle).
void write_session_as_kineto(const std::vector<store::IterationRow>& rows, const std::string& path, bool gpu) {
    std::ofstream f(path);
    f << R"({"schemaVersion": 1, "distributedInfo": {"backend": "nccl", "rank": 0, "world_size": 1}, "traceEvents": [)";
    bool first = true;
    auto ev = [&](const std::string& cat, const std::string& name, int tid, int64_t start_ns, int64_t dur_ns,
                  int64_t corr) {
        char ts[64], dur[64];
        std::snprintf(ts, sizeof ts, "%lld.%03lld", static_cast<long long>(start_ns / 1000), static_cast<long long>(start_ns % 1000));
        std::snprintf(dur, sizeof dur, "%lld.%03lld", static_cast<long long>(dur_ns / 1000), static_cast<long long>(dur_ns % 1000));
        f << (first ? "" : ",\n") << R"({"ph": "X", "cat": ")" << cat << R"(", "name": ")" << name
          << R"(", "pid": 1, "tid": )" << tid << R"(, "ts": )" << ts << R"(, "dur": )" << dur;
        if (corr) f << R"(, "args": {"correlation": )" << corr << "}";
        f << "}";
        first = false;
    };
    int64_t corr = 0;
    for (const auto& r : rows) {
        const int64_t t0 = r.start_ns;
        ev("user_annotation", "ProfilerStep#" + std::to_string(r.iteration), 1, t0, r.wall_ns, 0);
        if (r.data_wait_ns)
            ev("user_annotation", "enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__", 1, t0, r.data_wait_ns, 0);
        int64_t t = t0 + r.data_wait_ns;
        if (!gpu) {  // the CPU backend: compute is an operator on the host, which the import counts as host
            ev("cpu_op", "aten::addmm", 1, t, r.compute_ns, 0);
            continue;
        }
        auto gpu_op = [&](const std::string& cat, const std::string& name, int64_t dur) {
            if (!dur) return;
            ++corr;
            ev("cuda_runtime", cat == "kernel" ? "cudaLaunchKernel" : "cudaMemcpyAsync", 1, t - 1000, 500, corr);
            ev(cat, name, 7, t, dur, corr);
            t += dur;
        };
        gpu_op("gpu_memcpy", "Memcpy HtoD (Pinned -> Device)", r.h2d_ns);
        gpu_op("kernel", "sgemm_kernel", r.compute_ns);
        gpu_op("gpu_memcpy", "Memcpy DtoH (Device -> Pinned)", r.d2h_ns);
    }
    f << "]}\n";
}

std::vector<store::IterationRow> session_rows() {
    std::vector<store::IterationRow> rows;
    int64_t start = 1'000'000;
    for (int i = 0; i < 5; ++i) {
        store::IterationRow r;
        r.iteration = i + 1;
        r.start_ns = start;
        r.data_wait_ns = (i % 2 ? 3'000'000 : 0) + 250'500;
        r.h2d_ns = 400'000 + 1'000 * i;
        r.compute_ns = 2'000'000 + 7'000 * i;
        r.d2h_ns = 50'000;
        r.host_ns = 120'000 + 3 * i;
        r.wall_ns = r.data_wait_ns + r.h2d_ns + r.compute_ns + r.d2h_ns + r.host_ns;
        start += r.wall_ns;
        rows.push_back(r);
    }
    return rows;
}

}  // namespace

TEST(RoundTrip, EmulatedGpuSessionGivesTheSameBreakdown) {
    bs_trace_test::TempDir d;
    const auto rows = session_rows();
    write_session_as_kineto(rows, d.path("gpu.json"), true);
    ParsedTrace t = read_trace(d.path("gpu.json"));
    const TraceAnalysis a = analyse_trace(t);
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
    }
}

TEST(RoundTrip, CpuSessionKeepsItsDataWait) {
    bs_trace_test::TempDir d;
    const auto rows = session_rows();
    write_session_as_kineto(rows, d.path("cpu.json"), false);
    ParsedTrace t = read_trace(d.path("cpu.json"));
    const TraceAnalysis a = analyse_trace(t);
    ASSERT_EQ(a.steps.size(), rows.size());
    EXPECT_FALSE(a.has_gpu);
    for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(a.steps[i].wall_ns, rows[i].wall_ns);
        EXPECT_EQ(a.steps[i].data_wait_ns, rows[i].data_wait_ns);
        // A CPU trace has no kernels: what our CPU backend calls compute is host time here.
        EXPECT_EQ(a.steps[i].host_ns, rows[i].wall_ns - rows[i].data_wait_ns);
    }
}
