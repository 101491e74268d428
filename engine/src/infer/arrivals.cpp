#include "batchscope/engine/infer/arrivals.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "batchscope/profiler/clock.h"

namespace batchscope::engine::infer {

const char* to_string(LoadMode m) noexcept {
    switch (m) {
        case LoadMode::Poisson: return "poisson";
        case LoadMode::Constant: return "constant";
        case LoadMode::Bursts: return "bursts";
        case LoadMode::Closed: return "closed";
        case LoadMode::Offline: return "offline";
    }
    return "?";
}

std::optional<LoadMode> parse_load_mode(std::string_view s) noexcept {
    for (LoadMode m : {LoadMode::Poisson, LoadMode::Constant, LoadMode::Bursts, LoadMode::Closed, LoadMode::Offline})
        if (s == to_string(m)) return m;
    return std::nullopt;
}

ArrivalProcess::ArrivalProcess(LoadMode mode, double rate_per_s, int burst, uint64_t seed)
    : mode_(mode), rate_(rate_per_s), burst_(std::max(1, burst)), rng_(seed ^ 0xA5A5'1234'5678'9ABCull) {}

int64_t ArrivalProcess::exponential_ns(double rate) {
    // Inverse transform of a 53-bit uniform in (0, 1]: -ln(u) / rate.
    const double u = static_cast<double>((rng_() >> 11) + 1) * 0x1.0p-53;
    return std::llround(-std::log(u) / rate * 1e9);
}

int64_t ArrivalProcess::next_gap_ns() {
    const double rate = std::max(rate_, 1e-9);
    switch (mode_) {
        case LoadMode::Constant: return std::llround(1e9 / rate);
        case LoadMode::Bursts:
            if (in_burst_ < burst_) {
                ++in_burst_;
                return 0;
            }
            in_burst_ = 1;
            return exponential_ns(rate / burst_);
        default: return exponential_ns(rate);
    }
}

int64_t wait_until(int64_t t_ns, int64_t spin_ns) {
    int64_t now = profiler::now_ns();
    if (t_ns - now > spin_ns) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(t_ns - now - spin_ns));
        now = profiler::now_ns();
    }
    while (now < t_ns) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        now = profiler::now_ns();
    }
    return now;
}

}  // namespace batchscope::engine::infer
