#pragma once
// The profiler's own picture of one training iteration and one inference request: what the
// analysis and the exporters need, so that the profiler does not depend on the engine (the
// engine fills these from its IterationRecord and request records).
#include <cstdint>
#include <string>

#include "batchscope/profiler/breakdown.h"

namespace batchscope::profiler {

struct IterationSample {
    int64_t iteration = 0;
    int epoch = 0;         // 1-based
    int batch_size = 0;    // samples in this batch
    int64_t start_ns = 0;  // on the profiler clock
    int64_t end_ns = 0;
    Breakdown breakdown;   // priority-ordered parts of [start_ns, end_ns)
    float loss = 0.f;
    int queue_depth = 0;   // batches ready in the prefetch queue when the iteration began
};

// A knob change, applied at an iteration boundary and marked on the timeline.
struct KnobMarker {
    int64_t time_ns = 0;
    int64_t iteration = 0;  // first iteration that ran with the new value
    std::string knob;       // "batch_size", "prefetch_depth", "workers", ...
    int64_t old_value = 0;
    int64_t new_value = 0;
};

// "prefetch depth 1 → 4": the knob's words and the values.
std::string describe(const KnobMarker& m);
// "prefetch_depth" → "prefetch depth" (the knob registry's label, knobs/knob.h); unknown names
// keep their underscores replaced.
std::string knob_words(const std::string& knob);

// One inference request: latency from its *scheduled* arrival (no coordinated omission).
struct RequestSample {
    int64_t id = 0;
    int64_t scheduled_ns = 0;  // when it should have arrived
    int64_t done_ns = 0;       // response ready
    int batch_size = 0;        // size of the batch it was served in
    int64_t queue_ns = 0;      // scheduled arrival → its batch started
    int64_t h2d_ns = 0;
    int64_t compute_ns = 0;
    int64_t d2h_ns = 0;

    int64_t latency_ns() const noexcept { return done_ns - scheduled_ns; }
};

}  // namespace batchscope::profiler
