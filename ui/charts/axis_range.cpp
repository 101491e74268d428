#include "axis_range.h"

#include <algorithm>
#include <cmath>

namespace batchscope::ui {

double nice_ceil(double v) {
    if (!(v > 0) || !std::isfinite(v)) return 1.0;
    const double base = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (m * base >= v * (1 - 1e-12)) return m * base;
    }
    return 10.0 * base;
}

double nice_axis_max(double v) {
    if (!(v > 0) || !std::isfinite(v)) return 1.0;
    const double base = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
        if (m * base >= v * (1 - 1e-12)) return m * base;
    }
    return 10.0 * base;
}

double nice_step(double span, int target) {
    if (!(span > 0) || target < 1) return 1.0;
    return nice_ceil(span / target);
}

int decimals_for_step(double step) {
    if (!(step > 0)) return 0;
    int d = 0;
    while (d < 6 && std::fabs(step * std::pow(10.0, d) - std::round(step * std::pow(10.0, d))) > 1e-6)
        ++d;
    return d;
}

double sticky_axis_max(double current, double needed) {
    const double target = nice_axis_max(needed);
    if (current <= 0 || target > current) return target;
    // Shrink only when the data sits well inside the smaller end, so that values hovering
    // around a step do not make the axis flip between two ends every frame.
    if (target <= 0.8 * current && needed < 0.9 * target) return target;
    return current;
}

std::vector<size_t> decimation_indices(size_t n, size_t max_points) {
    std::vector<size_t> idx;
    if (n == 0 || max_points == 0) return idx;
    if (n <= max_points || max_points == 1) {
        const size_t count = max_points == 1 ? 1 : n;
        idx.resize(count);
        for (size_t i = 0; i < count; ++i) idx[i] = max_points == 1 ? n - 1 : i;
        return idx;
    }
    idx.reserve(max_points);
    for (size_t k = 0; k < max_points; ++k) {
        const size_t i = static_cast<size_t>(std::llround(static_cast<double>(k) *
                                                          static_cast<double>(n - 1) /
                                                          static_cast<double>(max_points - 1)));
        if (idx.empty() || i != idx.back()) idx.push_back(i);
    }
    return idx;
}

}  // namespace batchscope::ui
