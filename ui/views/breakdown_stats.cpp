#include "breakdown_stats.h"

#include <algorithm>
#include <cmath>

namespace batchscope::ui {

std::string_view part_name(Part p) noexcept {
    switch (p) {
        case Part::DataWait: return "data wait";
        case Part::H2D: return "h2d";
        case Part::Compute: return "compute";
        case Part::Comm: return "comm";
        case Part::D2H: return "d2h";
        case Part::OtherGpu: return "other gpu";
        case Part::Host: return "host";
    }
    return "?";
}

int64_t part_ns(const profiler::Breakdown& b, Part p) noexcept {
    switch (p) {
        case Part::DataWait: return b.data_wait_ns;
        case Part::H2D: return b.h2d_ns;
        case Part::Compute: return b.compute_ns;
        case Part::Comm: return b.comm_ns;
        case Part::D2H: return b.d2h_ns;
        case Part::OtherGpu: return b.other_gpu_ns;
        case Part::Host: return b.host_ns;
    }
    return 0;
}

bool part_shown_when_zero(Part p) noexcept { return p != Part::Comm && p != Part::OtherGpu; }

bool part_listed(Part p, std::span<const double> values) noexcept {
    return part_shown_when_zero(p) || std::any_of(values.begin(), values.end(), [](double v) { return v > 0; });
}

PartShares mean_shares(std::span<const engine::IterationRecord> recent) {
    profiler::Breakdown sum;
    for (const auto& r : recent) sum += r.breakdown;
    return shares_of(sum);
}

PartShares shares_of(const profiler::Breakdown& b) {
    std::array<int64_t, kPartCount> sum{};
    int64_t total = 0;
    for (Part p : kParts) {
        sum[static_cast<size_t>(p)] = std::max<int64_t>(0, part_ns(b, p));
        total += sum[static_cast<size_t>(p)];
    }
    PartShares shares{};
    if (total <= 0) return shares;
    for (size_t i = 0; i < sum.size(); ++i) shares[i] = static_cast<double>(sum[i]) / static_cast<double>(total);
    return shares;
}

std::string format_shares(const PartShares& shares) {
    std::string out;
    for (Part p : kParts) {
        const long percent = std::lround(shares[static_cast<size_t>(p)] * 100.0);
        if (percent <= 0) continue;
        if (!out.empty()) out += " \u00b7 ";
        out += part_name(p);
        out += ' ';
        out += std::to_string(percent);
        out += '%';
    }
    return out;
}

BreakdownColumns last_columns(std::span<const engine::IterationRecord> recent, size_t n) {
    BreakdownColumns c;
    for (auto& v : c.ms) v.assign(n, 0.0);
    c.iteration.assign(n, -1);
    c.batch_size.assign(n, 0);
    const size_t take = std::min(n, recent.size());
    const auto first = recent.end() - static_cast<std::ptrdiff_t>(take);
    for (size_t k = 0; k < take; ++k) {
        const auto& r = first[static_cast<std::ptrdiff_t>(k)];
        const size_t col = n - take + k;
        double total = 0;
        for (Part p : kParts) {
            const double ms = static_cast<double>(std::max<int64_t>(0, part_ns(r.breakdown, p))) / 1e6;
            c.ms[static_cast<size_t>(p)][col] = ms;
            total += ms;
        }
        c.iteration[col] = r.iteration;
        c.batch_size[col] = r.batch_size;
        c.max_total_ms = std::max(c.max_total_ms, total);
    }
    return c;
}

}  // namespace batchscope::ui
