#pragma once
// What changed after a knob change: the window of iterations before the change against the
// window after it (the first iterations after it are skipped while the pipeline refills).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batchscope/profiler/iteration_sample.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/profiler/window_summary.h"

namespace batchscope::profiler {

struct ChangeWindows {
    int window = 50;  // iterations compared on each side, at most
    int settle = 2;   // iterations skipped right after the change
};

struct ChangeEffect {
    KnobMarker marker;
    WindowSummary before;
    WindowSummary after;
    Bottleneck verdict_before = Bottleneck::Unknown;
    Bottleneck verdict_after = Bottleneck::Unknown;
    double step_change = 0;             // relative: after / before - 1 (mean step time)
    double throughput_change = 0;       // relative: samples/s after / before - 1
    double data_wait_share_delta = 0;   // after - before, as a share (0.10 = 10 points)
    bool measured = false;              // both windows hold iterations
    // "prefetch depth 1 → 4: step 5.20 → 2.10 ms (-59.6%), data wait 62% → 3% of the step,
    //  9800 → 24300 samples/s (+148.0%); input-bound → compute-bound"
    std::string text;
};

// `iterations` sorted by iteration. The windows stop at the neighbouring markers' iterations
// (pass them in `all_markers`, sorted by iteration; the marker itself may be among them).
ChangeEffect effect_of_change(std::span<const IterationSample> iterations, const KnobMarker& marker,
                              std::span<const KnobMarker> all_markers = {}, ChangeWindows w = {});

// One effect per marker. Markers at the same iteration (several knobs changed at once) are
// compared as one change each, against the same windows.
std::vector<ChangeEffect> effects_of_changes(std::span<const IterationSample> iterations,
                                             std::span<const KnobMarker> markers, ChangeWindows w = {});

}  // namespace batchscope::profiler
