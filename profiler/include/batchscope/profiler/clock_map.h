#pragma once
// Maps another clock (CUPTI's timestamps, in ns) onto the session's host steady clock.
//
// Sample pairs are taken together (the other clock read between two host reads: the midpoint
// is its host time) at start and periodically; a least-squares line through the most recent
// pairs gives the mapping, so a drift between the clocks is followed. Header-only: the GPU
// plugin uses it without linking the profiler library.
#include <cstddef>
#include <cstdint>
#include <deque>

namespace batchscope::profiler {

class ClockMap {
public:
    explicit ClockMap(size_t max_samples = 64) : max_samples_(max_samples < 2 ? 2 : max_samples) {}

    // `other_ns` was read between `host_before_ns` and `host_after_ns`.
    void add_bracketed(int64_t host_before_ns, uint64_t other_ns, int64_t host_after_ns) {
        add_sample(other_ns, host_before_ns + (host_after_ns - host_before_ns) / 2);
    }

    void add_sample(uint64_t other_ns, int64_t host_ns) {
        if (samples_.empty()) {
            x0_ = other_ns;
            y0_ = host_ns;
        }
        samples_.push_back({static_cast<double>(static_cast<int64_t>(other_ns - x0_)), static_cast<double>(host_ns - y0_)});
        if (samples_.size() > max_samples_) samples_.pop_front();
        fit();
    }

    // Host time of `other_ns`. Before any sample, the value itself.
    int64_t to_host(uint64_t other_ns) const noexcept {
        if (samples_.empty()) return static_cast<int64_t>(other_ns);
        const double x = static_cast<double>(static_cast<int64_t>(other_ns - x0_));
        return y0_ + static_cast<int64_t>(intercept_ + slope_ * x + (intercept_ + slope_ * x >= 0 ? 0.5 : -0.5));
    }

    size_t samples() const noexcept { return samples_.size(); }
    double slope() const noexcept { return slope_; }  // host ns per other ns, ~1.0
    // Host minus other at the first sample: the offset between the two clocks' zeros.
    int64_t first_offset_ns() const noexcept { return y0_ - static_cast<int64_t>(x0_); }

private:
    struct Pair {
        double x, y;  // relative to the first sample
    };

    void fit() noexcept {
        const double n = static_cast<double>(samples_.size());
        double mx = 0, my = 0;
        for (const Pair& p : samples_) {
            mx += p.x;
            my += p.y;
        }
        mx /= n;
        my /= n;
        double sxx = 0, sxy = 0;
        for (const Pair& p : samples_) {
            sxx += (p.x - mx) * (p.x - mx);
            sxy += (p.x - mx) * (p.y - my);
        }
        // Too short a span for a slope (under 1 ms): keep the clocks' rates equal.
        slope_ = (sxx > 1e12 && samples_.size() >= 2) ? sxy / sxx : 1.0;
        intercept_ = my - slope_ * mx;
    }

    size_t max_samples_;
    std::deque<Pair> samples_;
    uint64_t x0_ = 0;
    int64_t y0_ = 0;
    double slope_ = 1.0;
    double intercept_ = 0.0;
};

}  // namespace batchscope::profiler
