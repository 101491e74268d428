#pragma once
// The verdict on an imported trace, worded for PyTorch: from the whole-trace split, what bounds
// the step and which PyTorch settings to try (DataLoader num_workers, prefetch_factor,
// pin_memory, non_blocking copies, batch size; for collectives: overlap and DDP bucket size).
#include <string>
#include <vector>

#include "batchscope/trace_import/step_breakdown.h"

namespace batchscope::trace_import {

struct ImportVerdict {
    std::string verdict;              // "input-bound", "partly input-bound", "communication-bound", ...
    std::vector<std::string> advice;  // one line each
};

ImportVerdict advise(const TraceAnalysis& a);

}  // namespace batchscope::trace_import
