#pragma once
// Internal: sets of half-open intervals [start, end) as sorted, disjoint lists.
#include <cstdint>
#include <utility>
#include <vector>

namespace batchscope::profiler::detail {

using Interval = std::pair<int64_t, int64_t>;
using IntervalSet = std::vector<Interval>;  // sorted by start, disjoint, non-empty

// Sorts and merges `raw` (any order, may overlap) after clipping to [lo, hi).
IntervalSet normalize(std::vector<Interval> raw, int64_t lo, int64_t hi);
IntervalSet intersect(const IntervalSet& a, const IntervalSet& b);
IntervalSet subtract(const IntervalSet& from, const IntervalSet& what);
int64_t measure(const IntervalSet& s) noexcept;

}  // namespace batchscope::profiler::detail
