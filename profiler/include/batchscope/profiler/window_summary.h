#pragma once
// A window of consecutive iterations reduced to sums and shares: the input of the verdict.
#include <cstdint>
#include <span>

#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/iteration_sample.h"

namespace batchscope::profiler {

struct WindowSummary {
    int64_t first_iteration = -1;
    int64_t last_iteration = -1;
    int64_t iterations = 0;
    int64_t samples = 0;
    Breakdown total;  // summed over the window

    double mean_step_ns() const noexcept;
    double samples_per_s() const noexcept;  // samples / summed wall time
    // Share of the summed wall time (0..1) of one part.
    double share(int64_t part_ns) const noexcept;
    double data_wait_share() const noexcept { return share(total.data_wait_ns); }
    double copy_share() const noexcept { return share(total.h2d_ns + total.d2h_ns); }
    double compute_share() const noexcept { return share(total.compute_ns); }
    double host_share() const noexcept { return share(total.host_ns); }
    bool empty() const noexcept { return iterations == 0 || total.wall_ns <= 0; }
};

WindowSummary summarize(std::span<const IterationSample> iterations);

// The iterations of `all` (sorted by iteration) with first <= iteration < last.
std::span<const IterationSample> iteration_range(std::span<const IterationSample> all, int64_t first, int64_t last);

}  // namespace batchscope::profiler
