#include "cli_rank_compare.h"

#include <cstdio>
#include <string>

namespace batchscope::cli {
namespace {

std::string who(int rank, int64_t session) {
    if (rank >= 0) return std::to_string(rank);
    std::string s = "#";
    s += std::to_string(session);
    return s;
}

}  // namespace

void print_rank_comparison(const store::RankComparison& r) {
    if (r.ranks.empty()) return;
    std::printf("ranks (mean per step, ms):\n");
    std::printf("  %-8s %8s %6s %9s %9s %9s %8s %8s %9s %9s %9s\n", "rank", "session", "steps", "step", "compute",
                "comm", "h2d", "d2h", "other gpu", "data wait", "host");
    for (const auto& x : r.ranks)
        std::printf("  %-8s %8lld %6lld %9.3f %9.3f %9.3f %8.3f %8.3f %9.3f %9.3f %9.3f\n",
                    who(x.rank, x.session_id).c_str(), static_cast<long long>(x.session_id),
                    static_cast<long long>(x.steps), x.step_ms, x.compute_ms, x.comm_ms, x.h2d_ms, x.d2h_ms,
                    x.other_gpu_ms, x.data_wait_ms, x.host_ms);
    if (!r.steps.empty()) {
        std::printf("steps across ranks (straggler view):\n");
        std::printf("  %-10s %6s %13s %12s %12s %10s\n", "step", "ranks", "slowest rank", "slowest ms", "fastest ms",
                    "spread ms");
        for (const auto& s : r.steps)
            std::printf("  %-10lld %6d %13s %12.3f %12.3f %10.3f\n", static_cast<long long>(s.step), s.ranks,
                        who(s.slowest_rank, s.slowest_session).c_str(), s.slowest_ms, s.fastest_ms, s.spread_ms());
    }
    if (r.outliers.empty())
        std::printf("no rank's data wait or compute is more than 20%% from the median (%.3f ms, %.3f ms)\n",
                    r.median_data_wait_ms, r.median_compute_ms);
    else
        std::printf("ranks more than 20%% from the median:\n");
    for (const auto& o : r.outliers) std::printf("  %s\n", o.c_str());
}

nlohmann::json rank_comparison_json(const store::RankComparison& r) {
    nlohmann::json j = {{"ranks", nlohmann::json::array()},
                        {"steps", nlohmann::json::array()},
                        {"median_compute_ms", r.median_compute_ms},
                        {"median_data_wait_ms", r.median_data_wait_ms},
                        {"outliers", r.outliers}};
    for (const auto& x : r.ranks)
        j["ranks"].push_back({{"session", x.session_id},
                              {"rank", x.rank >= 0 ? nlohmann::json(x.rank) : nlohmann::json(nullptr)},
                              {"steps", x.steps},
                              {"step_ms", x.step_ms},
                              {"compute_ms", x.compute_ms},
                              {"comm_ms", x.comm_ms},
                              {"h2d_ms", x.h2d_ms},
                              {"d2h_ms", x.d2h_ms},
                              {"other_gpu_ms", x.other_gpu_ms},
                              {"data_wait_ms", x.data_wait_ms},
                              {"host_ms", x.host_ms}});
    for (const auto& s : r.steps)
        j["steps"].push_back({{"step", s.step},
                              {"ranks", s.ranks},
                              {"slowest_rank", s.slowest_rank >= 0 ? nlohmann::json(s.slowest_rank) : nlohmann::json(nullptr)},
                              {"slowest_session", s.slowest_session},
                              {"slowest_ms", s.slowest_ms},
                              {"fastest_ms", s.fastest_ms},
                              {"spread_ms", s.spread_ms()}});
    return j;
}

}  // namespace batchscope::cli
