#pragma once
// A short Markdown summary of a run: what ran, where the time went, the verdict with advice,
// what each knob change did, the loader's hidden and exposed time, and the GPU's share.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/profiler/gpu_utilization.h"
#include "batchscope/profiler/iteration_sample.h"
#include "batchscope/profiler/loader_overlap.h"
#include "batchscope/profiler/verdict.h"

namespace batchscope::profiler {

struct RunSummaryInput {
    std::string title = "Batchscope run";
    std::vector<std::pair<std::string, std::string>> facts;  // ("model", "MLP 784-256-128-10"), ...
    std::span<const IterationSample> iterations;              // sorted by iteration
    std::span<const KnobMarker> knob_changes;
    PipelineContext context;             // knobs in effect at the end (for the verdict)
    int verdict_window = 50;             // the verdict judges the last N iterations
    const LoaderOverlap* loader = nullptr;     // optional sections
    const GpuUtilization* gpu = nullptr;
    std::span<const KernelRow> kernels;  // the first 10 are listed
    std::span<const CopyRow> copies;
    uint64_t dropped_host_events = 0;
    uint64_t dropped_gpu_records = 0;
};

std::string markdown_summary(const RunSummaryInput& in);

}  // namespace batchscope::profiler
