#include "batchscope/profiler/window_summary.h"

#include <algorithm>

namespace batchscope::profiler {

double WindowSummary::mean_step_ns() const noexcept {
    return iterations > 0 ? static_cast<double>(total.wall_ns) / static_cast<double>(iterations) : 0.0;
}

double WindowSummary::samples_per_s() const noexcept {
    return total.wall_ns > 0 ? static_cast<double>(samples) * 1e9 / static_cast<double>(total.wall_ns) : 0.0;
}

double WindowSummary::share(int64_t part_ns) const noexcept {
    return total.wall_ns > 0 ? static_cast<double>(part_ns) / static_cast<double>(total.wall_ns) : 0.0;
}

WindowSummary summarize(std::span<const IterationSample> iterations) {
    WindowSummary w;
    for (const IterationSample& it : iterations) {
        if (w.iterations == 0) w.first_iteration = it.iteration;
        w.last_iteration = it.iteration;
        ++w.iterations;
        w.samples += it.batch_size;
        w.total += it.breakdown;
    }
    return w;
}

std::span<const IterationSample> iteration_range(std::span<const IterationSample> all, int64_t first, int64_t last) {
    auto lo = std::lower_bound(all.begin(), all.end(), first,
                               [](const IterationSample& s, int64_t v) { return s.iteration < v; });
    auto hi = std::lower_bound(lo, all.end(), last, [](const IterationSample& s, int64_t v) { return s.iteration < v; });
    return {lo, hi};
}

}  // namespace batchscope::profiler
