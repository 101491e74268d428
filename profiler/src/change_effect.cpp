#include "batchscope/profiler/change_effect.h"

#include <algorithm>
#include <cstdio>

namespace batchscope::profiler {
namespace {

std::string format_text(const ChangeEffect& e) {
    std::string s = describe(e.marker) + ": ";
    if (!e.measured) return s + (e.after.iterations == 0 ? "no iterations after the change yet" : "no iterations before the change");
    char buf[256];
    std::snprintf(buf, sizeof buf, "step %.2f → %.2f ms (%+.1f%%), data wait %.0f%% → %.0f%% of the step, %.0f → %.0f samples/s (%+.1f%%)",
                  e.before.mean_step_ns() / 1e6, e.after.mean_step_ns() / 1e6, e.step_change * 100.0,
                  e.before.data_wait_share() * 100.0, e.after.data_wait_share() * 100.0, e.before.samples_per_s(),
                  e.after.samples_per_s(), e.throughput_change * 100.0);
    s += buf;
    if (e.verdict_before != e.verdict_after)
        s += "; " + std::string(bottleneck_name(e.verdict_before)) + " → " + std::string(bottleneck_name(e.verdict_after));
    else
        s += "; still " + std::string(bottleneck_name(e.verdict_after));
    return s;
}

double relative(double after, double before) { return before > 0 ? after / before - 1.0 : 0.0; }

}  // namespace

ChangeEffect effect_of_change(std::span<const IterationSample> iterations, const KnobMarker& marker,
                              std::span<const KnobMarker> all_markers, ChangeWindows w) {
    // Neighbouring changes bound the windows: the previous one before, the next one after.
    int64_t prev = INT64_MIN, next = INT64_MAX;
    for (const KnobMarker& m : all_markers) {
        if (m.iteration < marker.iteration) prev = std::max(prev, m.iteration);
        if (m.iteration > marker.iteration) next = std::min(next, m.iteration);
    }
    const int64_t at = marker.iteration;
    const int64_t before_first = std::max(prev, at - w.window);
    std::span<const IterationSample> before = iteration_range(iterations, before_first, at);
    // Skip the refill after the change, unless that leaves nothing.
    std::span<const IterationSample> after_all = iteration_range(iterations, at, next);
    int64_t after_first = at + w.settle;
    if (iteration_range(iterations, after_first, next).empty()) after_first = at;
    const int64_t after_last = next == INT64_MAX ? after_first + w.window : std::min(next, after_first + w.window);
    std::span<const IterationSample> after = iteration_range(after_all, after_first, after_last);

    ChangeEffect e;
    e.marker = marker;
    e.before = summarize(before);
    e.after = summarize(after);
    e.verdict_before = classify(e.before);
    e.verdict_after = classify(e.after);
    e.measured = !e.before.empty() && !e.after.empty();
    if (e.measured) {
        e.step_change = relative(e.after.mean_step_ns(), e.before.mean_step_ns());
        e.throughput_change = relative(e.after.samples_per_s(), e.before.samples_per_s());
        e.data_wait_share_delta = e.after.data_wait_share() - e.before.data_wait_share();
    }
    e.text = format_text(e);
    return e;
}

std::vector<ChangeEffect> effects_of_changes(std::span<const IterationSample> iterations,
                                             std::span<const KnobMarker> markers, ChangeWindows w) {
    std::vector<ChangeEffect> out;
    out.reserve(markers.size());
    for (const KnobMarker& m : markers) out.push_back(effect_of_change(iterations, m, markers, w));
    return out;
}

}  // namespace batchscope::profiler
