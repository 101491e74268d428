#include "batchscope/profiler/breakdown.h"

#include <algorithm>
#include <array>
#include <vector>

namespace batchscope::profiler {
namespace {

// Breakdown parts in priority order; Host is what remains.
constexpr std::array<Phase, 4> kPriority = {Phase::Compute, Phase::H2D, Phase::D2H, Phase::DataWait};

int rank_of(Phase p) {
    for (size_t i = 0; i < kPriority.size(); ++i)
        if (kPriority[i] == p) return static_cast<int>(i);
    return -1;
}

struct Edge {
    int64_t t;
    int rank;
    int delta;  // +1 opens, -1 closes
};

}  // namespace

Breakdown& Breakdown::operator+=(const Breakdown& o) noexcept {
    wall_ns += o.wall_ns;
    compute_ns += o.compute_ns;
    h2d_ns += o.h2d_ns;
    d2h_ns += o.d2h_ns;
    data_wait_ns += o.data_wait_ns;
    host_ns += o.host_ns;
    comm_ns += o.comm_ns;
    other_gpu_ns += o.other_gpu_ns;
    return *this;
}

Breakdown compute_breakdown(int64_t start_ns, int64_t end_ns, std::span<const Event> events) {
    Breakdown b;
    if (end_ns <= start_ns) return b;
    b.wall_ns = end_ns - start_ns;

    std::vector<Edge> edges;
    edges.reserve(events.size() * 2);
    for (const Event& e : events) {
        const int r = rank_of(e.phase);
        if (r < 0) continue;
        const int64_t s = std::max(e.start_ns, start_ns);
        const int64_t t = std::min(e.end_ns, end_ns);
        if (t <= s) continue;
        edges.push_back({s, r, +1});
        edges.push_back({t, r, -1});
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& c) { return a.t < c.t; });

    // Sweep: between consecutive edges, the time goes to the highest-priority open part.
    std::array<int, kPriority.size()> open{};
    std::array<int64_t, kPriority.size()> got{};
    int64_t prev = start_ns;
    for (size_t i = 0; i < edges.size();) {
        const int64_t t = edges[i].t;
        for (size_t r = 0; r < open.size(); ++r) {
            if (open[r] > 0) {
                got[r] += t - prev;
                break;
            }
        }
        prev = t;
        for (; i < edges.size() && edges[i].t == t; ++i) open[edges[i].rank] += edges[i].delta;
    }
    b.compute_ns = got[0];
    b.h2d_ns = got[1];
    b.d2h_ns = got[2];
    b.data_wait_ns = got[3];
    b.host_ns = b.wall_ns - (got[0] + got[1] + got[2] + got[3]);
    return b;
}

Breakdown mean_breakdown(const Breakdown& total, int64_t n) noexcept {
    Breakdown m;
    if (n <= 0) return m;
    m.wall_ns = total.wall_ns / n;
    m.compute_ns = total.compute_ns / n;
    m.h2d_ns = total.h2d_ns / n;
    m.d2h_ns = total.d2h_ns / n;
    m.data_wait_ns = total.data_wait_ns / n;
    m.comm_ns = total.comm_ns / n;
    m.other_gpu_ns = total.other_gpu_ns / n;
    m.host_ns = m.wall_ns - (m.compute_ns + m.comm_ns + m.h2d_ns + m.d2h_ns + m.other_gpu_ns + m.data_wait_ns);
    return m;
}

}  // namespace batchscope::profiler
