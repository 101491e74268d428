#include "batchscope/profiler/tsc_clock.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#if BATCHSCOPE_HAVE_TSC
#include <cpuid.h>
#endif

namespace batchscope::profiler {

bool TscMapping::calibrate(uint64_t tsc_a, int64_t ns_a, uint64_t tsc_b, int64_t ns_b) {
    if (tsc_b <= tsc_a || ns_b <= ns_a) return false;
    const double ghz = static_cast<double>(tsc_b - tsc_a) / static_cast<double>(ns_b - ns_a);
    if (!(ghz > 0.1 && ghz < 20.0)) return false;
    ghz_ = ghz;
    first_tsc_ = tsc_a;
    first_ns_ = ns_a;
    p_.tsc0 = tsc_b;
    p_.ns0 = ns_b;
    p_.mult = static_cast<uint64_t>(std::llround(4294967296.0 / ghz));
    return true;
}

void TscMapping::correct(uint64_t tsc, int64_t ns) {
    if (tsc <= first_tsc_ || ns <= first_ns_ || tsc <= p_.tsc0) return;
    const double ghz = static_cast<double>(tsc - first_tsc_) / static_cast<double>(ns - first_ns_);
    if (!(ghz > 0.1 && ghz < 20.0)) return;
    ghz_ = ghz;
    const int64_t here = apply(p_, tsc);  // where the current line is now
    const double err_ns = static_cast<double>(here - ns);
    // Over the next kSlewNs the line gains -err_ns relative to the fitted rate; at most a 10%
    // rate change, so the clock never runs backwards or jumps.
    double ns_per_tick = 1.0 / ghz - err_ns / (static_cast<double>(kSlewNs) * ghz);
    ns_per_tick = std::clamp(ns_per_tick, 0.9 / ghz, 1.1 / ghz);
    p_.tsc0 = tsc;
    p_.ns0 = here;
    p_.mult = static_cast<uint64_t>(std::llround(ns_per_tick * 4294967296.0));
}

namespace detail {
std::atomic<int> g_tsc_state{0};
std::atomic<uint64_t> g_tsc_seq{0};
std::atomic<uint64_t> g_tsc0{0}, g_tsc_mult{0};
std::atomic<int64_t> g_tsc_ns0{0};
}  // namespace detail

namespace {

std::mutex g_m;  // calibration and corrections (one writer at a time)
TscMapping g_map;
HostClockInfo g_info;
int64_t g_last_tick_ns = 0;

void publish(const TscMapping::Params& p) noexcept {
    using namespace detail;
    const uint64_t s = g_tsc_seq.load(std::memory_order_relaxed);
    g_tsc_seq.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    g_tsc0.store(p.tsc0, std::memory_order_relaxed);
    g_tsc_ns0.store(p.ns0, std::memory_order_relaxed);
    g_tsc_mult.store(p.mult, std::memory_order_relaxed);
    g_tsc_seq.store(s + 2, std::memory_order_release);
}

#if BATCHSCOPE_HAVE_TSC
// One (TSC, steady) pair, the TSC read between two steady reads: the best of a few tries.
bool pair_now(uint64_t& tsc, int64_t& ns) noexcept {
    int64_t best = INT64_MAX;
    for (int i = 0; i < 5; ++i) {
        const int64_t a = now_ns();
        const uint64_t t = __rdtsc();
        const int64_t b = now_ns();
        if (b - a < best) {
            best = b - a;
            tsc = t;
            ns = a + (b - a) / 2;
        }
    }
    return best < 2'000;  // a bracket longer than 2 µs was preempted: try again or later
}

// Why the TSC cannot be used here, or empty.
std::string tsc_refusal() {
    if (const char* c = std::getenv("BATCHSCOPE_CLOCK"); c && std::string(c) == "steady")
        return "BATCHSCOPE_CLOCK=steady";
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return "the CPU does not report whether its TSC is invariant";
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    if (!(d & (1u << 8))) return "the TSC is not invariant (CPUID 80000007h EDX bit 8 clear)";
    std::ifstream f("/sys/devices/system/clocksource/clocksource0/available_clocksource");
    std::string sources;
    if (f && std::getline(f, sources) && sources.find("tsc") == std::string::npos)
        return "the kernel does not trust the TSC (not among the available clock sources: " + sources + ")";
    return {};
}
#endif

}  // namespace

void detail::tsc_clock_init() noexcept {
    std::lock_guard lock(g_m);
    if (g_tsc_state.load(std::memory_order_relaxed) != 0) return;
    std::string why;
#if BATCHSCOPE_HAVE_TSC
    why = tsc_refusal();
    if (why.empty()) {
        uint64_t ta = 0, tb = 0;
        int64_t na = 0, nb = 0;
        bool ok = false;
        for (int i = 0; i < 20 && !ok; ++i) ok = pair_now(ta, na);
        const int64_t until = now_ns() + 5'000'000;  // a 5 ms baseline: ~10 ppm from 50 ns brackets
        while (now_ns() < until) {
        }
        bool ok_b = false;
        for (int i = 0; i < 20 && ok && !ok_b; ++i) ok_b = pair_now(tb, nb);
        if (ok && ok_b && nb > na && g_map.calibrate(ta, na, tb, nb)) {
            publish(g_map.params());
            g_last_tick_ns = nb;
            char buf[200];
            std::snprintf(buf, sizeof buf,
                          "TSC (invariant, %.3f GHz) mapped onto the steady clock, re-fitted as the run goes", g_map.ghz());
            g_info = {true, g_map.ghz(), buf};
            g_tsc_state.store(1, std::memory_order_release);
            return;
        }
        why = "the TSC calibration against the steady clock failed (the machine was too busy or the rate was implausible)";
    }
#else
    why = "no TSC on this CPU architecture";
#endif
    g_info = {false, 0, "steady clock (clock_gettime); the TSC is not used: " + why};
    g_tsc_state.store(2, std::memory_order_release);
}

HostClockInfo host_clock_info() {
    if (detail::g_tsc_state.load(std::memory_order_acquire) == 0) detail::tsc_clock_init();
    std::lock_guard lock(g_m);
    HostClockInfo i = g_info;
    if (i.tsc) i.tsc_ghz = g_map.ghz();
    return i;
}

void tsc_clock_tick() noexcept {
#if BATCHSCOPE_HAVE_TSC
    if (detail::g_tsc_state.load(std::memory_order_acquire) != 1) return;
    std::unique_lock lock(g_m, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const int64_t now = now_ns();
    if (now - g_last_tick_ns < 100'000'000) return;
    uint64_t tsc = 0;
    int64_t ns = 0;
    if (!pair_now(tsc, ns)) return;
    g_last_tick_ns = now;
    g_map.correct(tsc, ns);
    publish(g_map.params());
#endif
}

}  // namespace batchscope::profiler
