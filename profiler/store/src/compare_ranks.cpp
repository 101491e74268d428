// The ranks of one imported job side by side: mean step and parts per rank, the slowest rank
// and the spread of each step, and the ranks whose data wait or compute stand out.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "batchscope/store/compare.h"
#include "batchscope/store/session_store.h"

namespace batchscope::store {
namespace {

constexpr double kOutlier = 0.20;  // more than 20% from the median is named

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int rank_of(const SessionInfo& s) {
    const auto j = nlohmann::json::parse(s.config_json, nullptr, false);
    if (!j.is_object()) return -1;
    const auto it = j.find("rank");
    return it != j.end() && it->is_number_integer() ? it->get<int>() : -1;
}

std::string who(const RankRow& r) {
    return r.rank >= 0 ? "rank " + std::to_string(r.rank) : "session " + std::to_string(r.session_id);
}

void name_outliers(RankComparison& c, const char* part, double RankRow::*field, double med) {
    if (med <= 0) return;
    for (const RankRow& r : c.ranks) {
        const double v = r.*field, d = (v - med) / med;
        if (std::fabs(d) <= kOutlier) continue;
        char b[160];
        std::snprintf(b, sizeof b, "%s: %s %.3f ms, %+.0f%% against the median %.3f ms", who(r).c_str(), part, v,
                      100 * d, med);
        c.outliers.emplace_back(b);
    }
}

}  // namespace

RankComparison compare_ranks(SessionStore& store, const std::vector<int64_t>& ids) {
    RankComparison c;
    std::map<int64_t, std::vector<std::pair<size_t, double>>> by_step;  // step -> (rank row, wall ms)
    for (int64_t id : ids) {
        const auto info = store.info(id);
        if (!info || info->mode != "imported") continue;
        RankRow r;
        r.session_id = id;
        r.rank = rank_of(*info);
        for (const IterationRow& it : store.iterations(id)) {
            ++r.steps;
            r.step_ms += static_cast<double>(it.wall_ns) / 1e6;
            r.compute_ms += static_cast<double>(it.compute_ns) / 1e6;
            r.comm_ms += static_cast<double>(it.comm_ns) / 1e6;
            r.h2d_ms += static_cast<double>(it.h2d_ns) / 1e6;
            r.d2h_ms += static_cast<double>(it.d2h_ns) / 1e6;
            r.other_gpu_ms += static_cast<double>(it.other_gpu_ns) / 1e6;
            r.data_wait_ms += static_cast<double>(it.data_wait_ns) / 1e6;
            r.host_ms += static_cast<double>(it.host_ns) / 1e6;
            by_step[it.iteration].emplace_back(c.ranks.size(), static_cast<double>(it.wall_ns) / 1e6);
        }
        if (r.steps > 0)
            for (double* v : {&r.step_ms, &r.compute_ms, &r.comm_ms, &r.h2d_ms, &r.d2h_ms, &r.other_gpu_ms,
                              &r.data_wait_ms, &r.host_ms})
                *v /= static_cast<double>(r.steps);
        c.ranks.push_back(r);
    }
    if (c.ranks.size() < 2) return {};
    for (const auto& [step, walls] : by_step) {
        if (walls.size() < 2) continue;
        StepSpread s;
        s.step = step;
        s.ranks = static_cast<int>(walls.size());
        const auto [lo, hi] = std::minmax_element(walls.begin(), walls.end(),
                                                  [](const auto& a, const auto& b) { return a.second < b.second; });
        s.fastest_ms = lo->second;
        s.slowest_ms = hi->second;
        s.slowest_rank = c.ranks[hi->first].rank;
        s.slowest_session = c.ranks[hi->first].session_id;
        c.steps.push_back(s);
    }
    std::stable_sort(c.ranks.begin(), c.ranks.end(), [](const RankRow& a, const RankRow& b) {
        return (a.rank < 0 ? INT32_MAX : a.rank) < (b.rank < 0 ? INT32_MAX : b.rank);
    });
    std::vector<double> compute, data;
    for (const RankRow& r : c.ranks) {
        compute.push_back(r.compute_ms);
        data.push_back(r.data_wait_ms);
    }
    c.median_compute_ms = median(compute);
    c.median_data_wait_ms = median(data);
    name_outliers(c, "data wait", &RankRow::data_wait_ms, c.median_data_wait_ms);
    name_outliers(c, "compute", &RankRow::compute_ms, c.median_compute_ms);
    return c;
}

}  // namespace batchscope::store
