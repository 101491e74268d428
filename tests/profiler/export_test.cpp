#include <gtest/gtest.h>

#include <sstream>

#include "batchscope/profiler/csv_export.h"
#include "batchscope/profiler/run_summary.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using namespace batchscope::profiler::test;

namespace {
std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}
}  // namespace

TEST(IterationCsv, HeaderAndOneRowPerIteration) {
    auto its = iterations(5, 2, 128, 2'000'000, 500'000, 1'200'000, 100'000);
    its[1].loss = 0.25f;
    its[1].queue_depth = 3;
    std::ostringstream out;
    write_iteration_csv(out, its);
    const auto l = lines(out.str());
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0], "iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,compute_ms,d2h_ms,host_ms,loss,queue_depth");
    EXPECT_EQ(l[2], "6,1,128,2.000000,2.000000,0.500000,0.100000,1.200000,0.000000,0.200000,0.25,3");
}

TEST(RequestCsv, LatencyFromTheScheduledArrival) {
    RequestSample r;
    r.id = 9;
    r.batch_size = 4;
    r.scheduled_ns = 1'000'000;
    r.done_ns = 3'500'000;
    r.queue_ns = 2'000'000;
    r.compute_ns = 400'000;
    const std::vector<RequestSample> rs = {r};
    std::ostringstream out;
    write_request_csv(out, rs);
    EXPECT_EQ(lines(out.str()).at(1), "9,4,0.000000,2.500000,2.000000,0.000000,0.400000,0.000000");
}

TEST(MarkdownSummary, HasBreakdownVerdictChangesLoaderAndGpu) {
    auto its = iterations(0, 30, 128, 10'000'000, 6'000'000, 4'000'000);
    auto after = iterations(30, 30, 128, 4'000'000, 0, 3'900'000);
    its.insert(its.end(), after.begin(), after.end());
    const std::vector<KnobMarker> knobs = {{0, 30, "prefetch_depth", 1, 4}};
    LoaderOverlap loader;
    loader.load_ns = 1'000'000;
    loader.hidden_ns = 750'000;
    loader.exposed_ns = 250'000;
    GpuUtilization gpu;
    gpu.window_ns = 100;
    gpu.busy_ns = 40;
    const std::vector<KernelRow> kernels = {{"gemm", 3, 3000, 1500}};
    const std::vector<CopyRow> copies = {{CopyDirection::HtoD, false, 2, 2'000'000, 1'000'000}};
    RunSummaryInput in;
    in.facts = {{"model", "MLP 784-256-128-10"}};
    in.iterations = its;
    in.knob_changes = knobs;
    in.context.batch_size = 128;
    in.context.prefetch_depth = 4;
    in.context.workers = 2;
    in.verdict_window = 20;
    in.loader = &loader;
    in.gpu = &gpu;
    in.kernels = kernels;
    in.copies = copies;
    in.dropped_gpu_records = 5;
    const std::string md = markdown_summary(in);
    for (const char* want : {"# Batchscope run", "| model | MLP 784-256-128-10 |", "## Where the time went",
                             "| data wait |", "## Verdict (last 20 iterations)", "**compute-bound",
                             "prefetch depth 1 → 4: step 10.00 → 4.00 ms", "75.0%", "exposed (built while", "busy 40.0%", "`gemm`",
                             "| HtoD | pageable | 2 | 2.00 | 1.000 | 2.00 |", "5 GPU records were dropped"})
        EXPECT_NE(md.find(want), std::string::npos) << "missing: " << want << "\n" << md;
}

TEST(MarkdownSummary, NoIterations) {
    EXPECT_NE(markdown_summary({}).find("No iterations were recorded."), std::string::npos);
}
