#include <gtest/gtest.h>

#include "batchscope/profiler/run_summary.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using namespace batchscope::profiler::test;

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
