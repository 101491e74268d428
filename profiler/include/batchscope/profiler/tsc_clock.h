#pragma once
// A cheaper read of the session clock for trace scopes: the CPU's time-stamp counter (rdtsc,
// ~10 ns on this VM against ~30 ns for clock_gettime) mapped onto the steady clock.
//
// The mapping is calibrated against the steady clock when first used (about 5 ms, once per
// process) and corrected afterwards by tsc_clock_tick() (HostTracer::drain calls it): each tick
// takes one (TSC, steady) pair, fits the rate over the whole run and slews the mapping back onto
// the steady clock within 200 ms, continuously (no jump, never backwards). Where the TSC is not
// invariant (frequency changes, stops in sleep states), the kernel does not trust it, or the
// CPU has none, fast_now_ns() is the steady clock itself and host_clock_info() says why.
// BATCHSCOPE_CLOCK=steady in the environment forces the steady clock.
#include <atomic>
#include <cstdint>
#include <string>

#include "batchscope/profiler/clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BATCHSCOPE_HAVE_TSC 1
#else
#define BATCHSCOPE_HAVE_TSC 0
#endif

namespace batchscope::profiler {

namespace detail {
__extension__ typedef __int128 tsc_wide_t;  // 64x64 -> 128-bit product (GCC, Clang)
}

struct HostClockInfo {
    bool tsc = false;           // fast_now_ns() reads the TSC
    double tsc_ghz = 0;         // its measured rate
    std::string description;    // for the environment info: which clock, and why
};
HostClockInfo host_clock_info();  // calibrates if not done yet

// Corrects the TSC mapping at most every 100 ms (cheap otherwise). Any thread; non-blocking.
void tsc_clock_tick() noexcept;

// The pure mapping of TSC ticks onto nanoseconds, fed with (tsc, steady ns) pairs: the rate is
// fitted over the first and latest pair; each new pair sets a line that starts where the old
// one is at that tick (continuity) and meets the fitted line `slew_ns` later.
class TscMapping {
public:
    struct Params {
        uint64_t tsc0 = 0;
        int64_t ns0 = 0;
        uint64_t mult = 0;  // nanoseconds per tick, 32.32 fixed point
    };
    static constexpr int64_t kSlewNs = 200'000'000;

    // The first pair (start of the calibration) and the second (its end): sets the rate.
    // Returns false if they do not give a plausible rate (0.1 to 20 GHz).
    bool calibrate(uint64_t tsc_a, int64_t ns_a, uint64_t tsc_b, int64_t ns_b);
    // A later pair: refits the rate and slews towards it.
    void correct(uint64_t tsc, int64_t ns);

    const Params& params() const noexcept { return p_; }
    double ghz() const noexcept { return ghz_; }
    static int64_t apply(const Params& p, uint64_t tsc) noexcept {
        const int64_t dt = static_cast<int64_t>(tsc - p.tsc0);  // may be slightly negative across cores
        const detail::tsc_wide_t prod = static_cast<detail::tsc_wide_t>(dt) * static_cast<detail::tsc_wide_t>(p.mult);
        return p.ns0 + static_cast<int64_t>(prod >> 32);
    }

private:
    Params p_;
    uint64_t first_tsc_ = 0;
    int64_t first_ns_ = 0;
    double ghz_ = 0;
};

namespace detail {
// 0: not calibrated yet, 1: TSC in use, 2: steady clock in use.
extern std::atomic<int> g_tsc_state;
// The mapping in use, behind a sequence lock (odd while being written).
extern std::atomic<uint64_t> g_tsc_seq;
extern std::atomic<uint64_t> g_tsc0, g_tsc_mult;
extern std::atomic<int64_t> g_tsc_ns0;
void tsc_clock_init() noexcept;
}  // namespace detail

// Steady-clock nanoseconds, from the TSC where it can be trusted.
inline int64_t fast_now_ns() noexcept {
#if BATCHSCOPE_HAVE_TSC
    int state = detail::g_tsc_state.load(std::memory_order_relaxed);
    if (state == 0) {
        detail::tsc_clock_init();
        state = detail::g_tsc_state.load(std::memory_order_acquire);
    }
    if (state == 1) {
        for (;;) {
            const uint64_t s1 = detail::g_tsc_seq.load(std::memory_order_acquire);
            TscMapping::Params p;
            p.tsc0 = detail::g_tsc0.load(std::memory_order_relaxed);
            p.ns0 = detail::g_tsc_ns0.load(std::memory_order_relaxed);
            p.mult = detail::g_tsc_mult.load(std::memory_order_relaxed);
            const uint64_t tsc = __rdtsc();
            std::atomic_thread_fence(std::memory_order_acquire);
            if (s1 % 2 == 0 && detail::g_tsc_seq.load(std::memory_order_relaxed) == s1)
                return TscMapping::apply(p, tsc);
        }
    }
#endif
    return now_ns();
}

}  // namespace batchscope::profiler
