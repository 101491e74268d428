#pragma once
// Plain C++ axis arithmetic shared by the chart widgets: round axis ends, tick steps, and
// which points to keep so a series stays bounded.
#include <cstddef>
#include <vector>

namespace batchscope::ui {

// Smallest 1, 2, 2.5 or 5 × 10^k that is >= v (v <= 0 gives 1).
double nice_ceil(double v);

// Smallest axis end from the finer series 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is
// >= v: less empty space above the data than nice_ceil, still easy to read.
double nice_axis_max(double v);

// A round tick interval giving about `target` intervals over `span` (> 0).
double nice_step(double span, int target = 5);

// Digits after the decimal point that the labels of ticks `step` apart need.
int decimals_for_step(double step);

// Axis maximum that follows `needed` without jitter: it grows at once to nice_axis_max(needed)
// and shrinks to it only when that is a clear step down and the data sits well below it.
double sticky_axis_max(double current, double needed);

// Indices of at most `max_points` of `n` points, evenly spread, first and last always kept.
std::vector<size_t> decimation_indices(size_t n, size_t max_points);

}  // namespace batchscope::ui
