// The share of this virtual machine's CPU time that the hypervisor gave to others ("steal",
// /proc/stat) over an interval. A benchmark prints it next to its figures: on a shared host a
// tail of late requests or a two-worker row short of two cores is often this, not our code.
// Unknown (steal_percent < 0, printed "n/a" / null) where /proc/stat cannot be read or has no
// steal column.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace batchscope::bench {

struct CpuTicks {
    uint64_t total = 0;  // all columns of the "cpu" line (every CPU), in USER_HZ ticks
    uint64_t steal = 0;
    bool known = false;  // /proc/stat read, with a steal column

    static CpuTicks now() {
        CpuTicks t;
        std::FILE* f = std::fopen("/proc/stat", "r");
        if (!f) return t;
        unsigned long long v[10] = {};
        const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                                  &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
        std::fclose(f);
        // guest and guest_nice (8, 9) are already counted in user and nice.
        for (int i = 0; i < n && i < 8; ++i) t.total += v[i];
        if (n >= 8) t.steal = v[7], t.known = true;
        return t;
    }
};

// Percent of all CPUs' time stolen between a and b; -1 when unknown.
inline double steal_percent(const CpuTicks& a, const CpuTicks& b) {
    const uint64_t total = b.total - a.total;
    if (!a.known || !b.known || total == 0) return -1;
    return 100.0 * static_cast<double>(b.steal - a.steal) / static_cast<double>(total);
}

// "12.3%" or "n/a"; for JSON, "12.3" or "null".
inline std::string steal_text(double pct, bool json = false) {
    if (pct < 0) return json ? "null" : "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, json ? "%.1f" : "%.1f%%", pct);
    return buf;
}

}  // namespace batchscope::bench
