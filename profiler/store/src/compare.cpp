#include "batchscope/store/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "batchscope/knobs/knob.h"
#include "batchscope/store/session_store.h"
#include "sqlite_db.h"

namespace batchscope::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Configuration keys that are knobs (knobs/knob.h).
bool is_knob_key(const std::string& key) { return knobs::from_config_key(key).has_value(); }

std::map<std::string, std::string> flat_config(const std::string& json) {
    std::map<std::string, std::string> out;
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (!j.is_object()) return out;
    for (auto it = j.begin(); it != j.end(); ++it)
        out[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    return out;
}

struct Measured {
    double samples_per_s = kNaN, accuracy = kNaN, iterations = kNaN;
    double wall = kNaN, data_wait = kNaN, h2d = kNaN, compute = kNaN, d2h = kNaN, host = kNaN;
    double comm = kNaN, other_gpu = kNaN;  // imported traces only (NaN where all zero)
    double p50 = kNaN, p99 = kNaN, req_per_s = kNaN;
    // Training and serving side by side: the same quantities for batches and for a stream.
    double compute_per_sample = kNaN, samples_per_batch = kNaN, served_accuracy = kNaN;
};

Measured measure(detail::Db& db, int64_t id) {
    Measured m;
    auto ep = db.prepare(
        "SELECT avg(CASE WHEN steady_samples_per_s > 0 THEN steady_samples_per_s ELSE samples_per_s END), "
        "(SELECT test_accuracy FROM epochs e2 WHERE e2.session_id = ?1 AND test_accuracy IS NOT NULL "
        " ORDER BY epoch DESC LIMIT 1) FROM epochs WHERE session_id = ?1");
    ep.bind(1, id);
    if (ep.step()) {
        if (!ep.col_is_null(0)) m.samples_per_s = ep.col_double(0);
        if (!ep.col_is_null(1)) m.accuracy = ep.col_double(1);
    }
    auto it = db.prepare(
        "SELECT count(*), avg(wall_ns), avg(data_wait_ns), avg(h2d_ns), avg(compute_ns), avg(d2h_ns), avg(host_ns), "
        "sum(compute_ns) * 1.0 / nullif(sum(batch_size), 0), avg(nullif(batch_size, 0)), "
        "CASE WHEN max(comm_ns) > 0 THEN avg(comm_ns) END, CASE WHEN max(other_gpu_ns) > 0 THEN avg(other_gpu_ns) END "
        "FROM iterations WHERE session_id = ?");
    it.bind(1, id);
    if (it.step() && it.col_int(0) > 0) {
        m.iterations = static_cast<double>(it.col_int(0));
        m.wall = it.col_double(1) / 1e6;
        m.data_wait = it.col_double(2) / 1e6;
        m.h2d = it.col_double(3) / 1e6;
        m.compute = it.col_double(4) / 1e6;
        m.d2h = it.col_double(5) / 1e6;
        m.host = it.col_double(6) / 1e6;
        if (!it.col_is_null(7)) m.compute_per_sample = it.col_double(7) / 1e3;
        if (!it.col_is_null(8)) m.samples_per_batch = it.col_double(8);
        if (!it.col_is_null(9)) m.comm = it.col_double(9) / 1e6;
        if (!it.col_is_null(10)) m.other_gpu = it.col_double(10) / 1e6;
    }
    auto sum = db.prepare("SELECT key, value FROM session_summary WHERE session_id = ?");
    sum.bind(1, id);
    bool summarised = false;
    while (sum.step()) {
        const std::string key = sum.col_text(0);
        const double v = sum.col_double(1);
        if (key == "latency_p50_ns") m.p50 = v / 1e3;
        else if (key == "latency_p99_ns") m.p99 = v / 1e3;
        else if (key == "requests_per_s") m.req_per_s = v;
        else if (key == "compute_per_sample_ns") m.compute_per_sample = v / 1e3;
        else if (key == "mean_batch") m.samples_per_batch = v;
        else if (key == "served_accuracy") m.served_accuracy = v;
        summarised = summarised || key == "requests";
    }
    if (summarised) return m;  // written at the end of the run: no need to read every request
    std::vector<int64_t> lat;
    int64_t first = std::numeric_limits<int64_t>::max(), last = 0;
    auto rq = db.prepare(
        "SELECT latency_ns, scheduled_ns + latency_ns, scheduled_ns, compute_ns, batch_size, correct FROM requests "
        "WHERE session_id = ?");
    rq.bind(1, id);
    double per_sample = 0, batches = 0;
    int64_t checked = 0, correct = 0;
    while (rq.step()) {
        lat.push_back(rq.col_int(0));
        last = std::max(last, rq.col_int(1));
        first = std::min(first, rq.col_int(2));
        if (const int64_t b = rq.col_int(4); b > 0) {
            per_sample += static_cast<double>(rq.col_int(3)) / static_cast<double>(b);
            batches += 1.0 / static_cast<double>(b);
        }
        if (const int64_t ok = rq.col_int(5); ok >= 0) ++checked, correct += ok;
    }
    if (!lat.empty() && std::isnan(m.iterations)) {  // a serving session: no iterations of its own
        m.compute_per_sample = per_sample / static_cast<double>(lat.size()) / 1e3;
        if (batches > 0) m.samples_per_batch = static_cast<double>(lat.size()) / batches;
    }
    if (checked > 0) m.served_accuracy = static_cast<double>(correct) / static_cast<double>(checked);
    if (!lat.empty()) {
        m.p50 = percentile(lat, 50) / 1e3;
        m.p99 = percentile(lat, 99) / 1e3;
        if (last > first) m.req_per_s = static_cast<double>(lat.size()) / (static_cast<double>(last - first) / 1e9);
    }
    return m;
}

}  // namespace

double percentile(std::vector<int64_t>& v, double p) {
    if (v.empty()) return kNaN;
    const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
    const size_t k = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(v.size()))) - 1;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return static_cast<double>(v[k]);
}

// Parts of the step below this share of the first session's step time get no % change.
constexpr double kTinyPartShare = 0.01;

Comparison compare_sessions(SessionStore& store, const std::vector<int64_t>& ids) {
    if (ids.size() < 2) throw StoreError("compare needs at least two session ids");
    Comparison c;
    std::vector<std::map<std::string, std::string>> configs;
    std::vector<Measured> ms;
    for (int64_t id : ids) {
        auto info = store.info(id);
        if (!info) throw StoreError("no session " + std::to_string(id) + " in " + store.path());
        configs.push_back(flat_config(info->config_json));
        c.sessions.push_back(std::move(*info));
        c.knob_changes.push_back(store.knob_changes(id));
        ms.push_back(measure(store.db(), id));
    }
    std::set<std::string> keys;
    for (const auto& cfg : configs)
        for (const auto& [k, v] : cfg) keys.insert(k);
    for (const auto& k : keys) {
        ConfigDiffRow row{k, {}, is_knob_key(k)};
        for (const auto& cfg : configs) {
            auto it = cfg.find(k);
            row.values.push_back(it == cfg.end() ? "" : it->second);
        }
        if (std::adjacent_find(row.values.begin(), row.values.end(), std::not_equal_to<>()) != row.values.end())
            c.config_diff.push_back(std::move(row));
    }
    // A part of the step (`part`) whose base is under 1% of the base's step time gets no % change:
    // +6166.7% of 0.003 ms says nothing; the values themselves are still shown.
    auto metric = [&](const char* name, const char* unit, bool higher, double Measured::*field, bool part = false) {
        MetricRow r{name, unit, higher, {}, {}};
        bool any = false;
        for (const auto& m : ms) {
            r.values.push_back(m.*field);
            any = any || !std::isnan(m.*field);
        }
        if (!any) return;
        const double base = r.values[0];
        const bool tiny = part && !std::isnan(ms[0].wall) && std::fabs(base) < kTinyPartShare * ms[0].wall;
        for (double v : r.values)
            r.delta_pct.push_back(std::isnan(v) || std::isnan(base) || base == 0 || tiny ? kNaN
                                                                                          : 100.0 * (v - base) / base);
        c.metrics.push_back(std::move(r));
    };
    metric("throughput", "samples/s", true, &Measured::samples_per_s);
    metric("test accuracy", "fraction", true, &Measured::accuracy);
    metric("iterations", "", true, &Measured::iterations);
    metric("iteration time", "ms", false, &Measured::wall);
    metric("data wait", "ms", false, &Measured::data_wait, true);
    metric("h2d", "ms", false, &Measured::h2d, true);
    metric("compute", "ms", false, &Measured::compute, true);
    metric("comm", "ms", false, &Measured::comm, true);
    metric("d2h", "ms", false, &Measured::d2h, true);
    metric("other device", "ms", false, &Measured::other_gpu, true);
    metric("host", "ms", false, &Measured::host, true);
    metric("latency p50", "us", false, &Measured::p50);
    metric("latency p99", "us", false, &Measured::p99);
    metric("requests", "req/s", true, &Measured::req_per_s);
    metric("compute per sample", "us", false, &Measured::compute_per_sample);
    metric("samples per batch", "", true, &Measured::samples_per_batch);
    metric("served accuracy", "fraction", true, &Measured::served_accuracy);
    c.ranks = compare_ranks(store, ids);
    return c;
}

}  // namespace batchscope::store
