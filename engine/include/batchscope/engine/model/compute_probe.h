#pragma once
// Times a model's forward pass at a few batch sizes on synthetic input, for the verdict's
// batch-size prediction (profiler::PipelineContext::compute_profile, docs/ADVICE.md): how much
// more compute a larger batch costs, measured instead of assumed to grow with the batch.
// The pass is Model::predict (no dropout, its own workspace): the weights, the optimizer state,
// the training buffers and every random state are left as they were, so training that follows
// gives the same losses as without the probe. CPU models only: a GPU model's predict() runs on
// its host mirror, which would time the wrong processor (the probe says so and times nothing).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/model/model.h"
#include "batchscope/profiler/verdict.h"

namespace batchscope::engine::model {

inline constexpr int64_t kComputeProbeBudgetNs = 50'000'000;  // a probe takes about this long at most
inline constexpr int kComputeProbeReps = 5;                   // timed passes per size (after one untimed)

struct ComputeProbe {
    // One per size timed (ascending), the fastest of its timed passes; sizes that could not be
    // timed within the budget (or in memory) are left out.
    std::vector<profiler::ComputePoint> points;
    std::string note;        // why a size was left out; "" when every size was timed
    int64_t elapsed_ns = 0;  // the probe's whole time
};

// Each size gets one untimed pass (its buffers are allocated) and then up to `reps` timed ones,
// sizes taking turns; a pass that would take the probe past `budget_ns` (estimated from the
// smaller size's, in proportion to the samples) is not started. Never throws: out of memory, or
// a model the probe cannot time, leaves the points empty with a note.
ComputeProbe probe_compute(Model& m, std::span<const int> sizes, int64_t budget_ns = kComputeProbeBudgetNs,
                           int reps = kComputeProbeReps);

}  // namespace batchscope::engine::model
