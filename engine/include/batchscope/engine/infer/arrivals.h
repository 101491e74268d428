#pragma once
// Load modes and the arrival schedule of an open-loop stream.
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace batchscope::engine::infer {

enum class LoadMode : uint8_t {
    Poisson,   // open loop: exponential gaps at `rate` (a Poisson process)
    Constant,  // open loop: one request every 1/rate
    Bursts,    // open loop: bursts of `burst` requests due at the same instant, bursts Poisson at rate/burst
    Closed,    // closed loop: `concurrency` requests outstanding; each response lets the next one in
    Offline,   // every request due at once at the start (MLPerf's offline scenario)
};
const char* to_string(LoadMode m) noexcept;  // "poisson", "constant", "bursts", "closed", "offline"
std::optional<LoadMode> parse_load_mode(std::string_view s) noexcept;
constexpr bool is_open_loop(LoadMode m) noexcept {
    return m == LoadMode::Poisson || m == LoadMode::Constant || m == LoadMode::Bursts;
}

// Gaps between the scheduled arrivals of an open-loop stream (seeded, reproducible).
class ArrivalProcess {
public:
    ArrivalProcess(LoadMode mode, double rate_per_s, int burst, uint64_t seed);
    void set_rate(double rate_per_s) noexcept { rate_ = rate_per_s; }
    double rate() const noexcept { return rate_; }
    // Nanoseconds from the previous arrival to the next (0 between the requests of a burst).
    int64_t next_gap_ns();

private:
    int64_t exponential_ns(double rate);
    LoadMode mode_;
    double rate_;
    int burst_;
    int in_burst_ = 1;  // requests of the current burst already scheduled
    std::mt19937_64 rng_;
};

// Waits until `t_ns` on the profiler clock: sleeps while more than `spin_ns` remain, then spins.
// Returns the time it woke.
int64_t wait_until(int64_t t_ns, int64_t spin_ns);

}  // namespace batchscope::engine::infer
