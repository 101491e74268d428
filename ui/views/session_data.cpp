#include "session_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>

#include <nlohmann/json.hpp>

#include "batchscope/engine/train_config.h"
#include "batchscope/engine/verdict_context.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/profiler/window_summary.h"
#include "run_text.h"
#include "verdict_logic.h"

namespace batchscope::ui {

namespace {

// Calls add(bin, row) for each row, with rows put in at most `bins` equal bins of start time.
template <class F>
size_t bin_rows(const std::vector<store::IterationRow>& its, size_t bins, F&& add) {
    if (its.empty() || bins == 0) return 0;
    const int64_t t0 = its.front().start_ns;
    int64_t t1 = t0;
    for (const auto& r : its) t1 = std::max(t1, r.start_ns + r.wall_ns);
    const size_t n = std::min(bins, its.size());
    const double width = std::max<double>(1.0, static_cast<double>(t1 - t0) / static_cast<double>(n));
    for (const auto& r : its) {
        const auto b = static_cast<size_t>(static_cast<double>(r.start_ns - t0) / width);
        add(std::min(b, n - 1), r);
    }
    return n;
}

}  // namespace

std::vector<engine::SeriesPoint> throughput_curve(const std::vector<store::IterationRow>& its, size_t max_points) {
    std::vector<double> samples(std::min(max_points, its.size())), wall(samples.size()), t_end(samples.size());
    const int64_t t0 = its.empty() ? 0 : its.front().start_ns;
    const size_t n = bin_rows(its, max_points, [&](size_t b, const store::IterationRow& r) {
        samples[b] += r.batch_size;
        wall[b] += static_cast<double>(r.wall_ns);
        t_end[b] = std::max(t_end[b], static_cast<double>(r.start_ns + r.wall_ns - t0) / 1e9);
    });
    std::vector<engine::SeriesPoint> out;
    for (size_t b = 0; b < n; ++b)
        if (wall[b] > 0) out.push_back({t_end[b], samples[b] / (wall[b] / 1e9)});
    return out;
}

std::vector<engine::SeriesPoint> step_rate_curve(const std::vector<store::IterationRow>& its, size_t max_points) {
    std::vector<double> steps(std::min(max_points, its.size())), wall(steps.size()), t_end(steps.size());
    const int64_t t0 = its.empty() ? 0 : its.front().start_ns;
    const size_t n = bin_rows(its, max_points, [&](size_t b, const store::IterationRow& r) {
        steps[b] += 1;
        wall[b] += static_cast<double>(r.wall_ns);
        t_end[b] = std::max(t_end[b], static_cast<double>(r.start_ns + r.wall_ns - t0) / 1e9);
    });
    std::vector<engine::SeriesPoint> out;
    for (size_t b = 0; b < n; ++b)
        if (wall[b] > 0) out.push_back({t_end[b], steps[b] / (wall[b] / 1e9)});
    return out;
}

std::vector<engine::SeriesPoint> loss_curve(const std::vector<store::IterationRow>& its, size_t max_points) {
    std::vector<double> sum(std::min(max_points, its.size())), count(sum.size()), t_end(sum.size());
    const int64_t t0 = its.empty() ? 0 : its.front().start_ns;
    const size_t n = bin_rows(its, max_points, [&](size_t b, const store::IterationRow& r) {
        sum[b] += r.loss;
        count[b] += 1;
        t_end[b] = std::max(t_end[b], static_cast<double>(r.start_ns + r.wall_ns - t0) / 1e9);
    });
    std::vector<engine::SeriesPoint> out;
    for (size_t b = 0; b < n; ++b)
        if (count[b] > 0) out.push_back({t_end[b], sum[b] / count[b]});
    return out;
}

profiler::Breakdown mean_breakdown(const std::vector<store::IterationRow>& its) {
    profiler::Breakdown total;
    for (const auto& r : its) {
        total.wall_ns += r.wall_ns;
        total.data_wait_ns += r.data_wait_ns;
        total.h2d_ns += r.h2d_ns;
        total.compute_ns += r.compute_ns;
        total.d2h_ns += r.d2h_ns;
        total.host_ns += r.host_ns;
        total.comm_ns += r.comm_ns;
        total.other_gpu_ns += r.other_gpu_ns;
    }
    return profiler::mean_breakdown(total, static_cast<int64_t>(its.size()));
}

SessionCurves session_curves(store::SessionStore& st, int64_t id) {
    SessionCurves c;
    auto info = st.info(id);
    if (!info) throw store::StoreError(std::string("no session ") + std::to_string(id) + " in " + st.path());
    c.info = std::move(*info);
    const std::vector<store::IterationRow> its = st.iterations(id);
    c.batch_known = std::any_of(its.begin(), its.end(), [](const store::IterationRow& r) { return r.batch_size > 0; });
    c.has_loss = c.info.mode != "imported";
    if (c.batch_known) c.throughput = throughput_curve(its);
    c.step_rate = step_rate_curve(its);
    if (c.has_loss) c.loss = loss_curve(its);
    c.mean = mean_breakdown(its);
    return c;
}

bool ComparisonData::throughput_in_steps() const {
    return std::any_of(sessions.begin(), sessions.end(), [](const SessionCurves& s) { return !s.batch_known; });
}

const std::vector<engine::SeriesPoint>& ComparisonData::throughput(size_t i) const {
    return throughput_in_steps() ? sessions[i].step_rate : sessions[i].throughput;
}

ComparisonData load_comparison(store::SessionStore& st, const std::vector<int64_t>& ids) {
    ComparisonData d;
    d.comparison = store::compare_sessions(st, ids);
    for (int64_t id : ids) d.sessions.push_back(session_curves(st, id));
    return d;
}

SessionReport load_session_report(store::SessionStore& st, int64_t id) {
    SessionReport r;
    r.curves = session_curves(st, id);
    const store::SessionInfo& i = r.curves.info;
    r.facts = {{"session", std::string("#") + std::to_string(i.id) + " " + i.name},
               {"mode", i.mode},
               {"model", i.model},
               {"dataset", i.dataset},
               {"storage", i.storage + (i.emulated ? " (emulated: timing modelled, not measured)" : "")},
               {"backend", i.backend},
               {"created", i.created_at + " UTC"},
               {"state", i.state + (i.message.empty() ? std::string() : std::string(": ") + i.message)}};
    const std::vector<store::EpochRow> epochs = st.epochs(id);
    if (!epochs.empty()) {
        const store::EpochRow& e = epochs.back();
        r.facts.emplace_back("throughput (last epoch)", group_thousands(e.steady_samples_per_s > 0 ? e.steady_samples_per_s
                                                                                                    : e.samples_per_s) +
                                                            " samples/s");
        if (e.test_accuracy >= 0) r.facts.emplace_back("test accuracy", format_metric(e.test_accuracy, "fraction"));
    }
    if (i.mode == "infer") {
        std::vector<int64_t> lat;
        for (const auto& q : st.requests(id)) lat.push_back(q.latency_ns);
        r.facts.emplace_back("requests", std::to_string(lat.size()));
        if (!lat.empty()) {
            r.facts.emplace_back("latency p50", format_metric(store::percentile(lat, 50) / 1e3, "us"));
            r.facts.emplace_back("latency p99", format_metric(store::percentile(lat, 99) / 1e3, "us"));
        }
    }
    const std::vector<store::IterationRow> rows = st.iterations(id);
    const std::vector<profiler::IterationSample> its = iteration_samples(rows);
    std::vector<profiler::KnobMarker> knobs;
    for (const auto& k : st.knob_changes(id)) {
        knobs.push_back({k.t_ns, k.iteration, k.knob, k.old_value, k.new_value});
        r.knob_changes.push_back(profiler::describe(knobs.back()) + " at iteration " + std::to_string(k.iteration));
    }
    if (its.size() >= static_cast<size_t>(kVerdictMinWindow)) {
        const size_t n = std::min(its.size(), static_cast<size_t>(kVerdictWindow));
        const std::span<const profiler::IterationSample> window(its.data() + its.size() - n, n);
        const std::vector<store::KnobRow> changes = st.knob_changes(id);
        const profiler::PipelineContext ctx =
            engine::verdict_context(i, changes, std::span<const store::IterationRow>(rows).subspan(rows.size() - n, n));
        const profiler::Verdict v = profiler::judge(profiler::summarize(window), ctx);
        r.verdict = v.headline + " (iterations " + std::to_string(window.front().iteration) + "–" +
                    std::to_string(window.back().iteration) + ")";
        for (const auto& a : v.advice) r.advice.push_back(a.text);
        if (!v.note.empty()) r.advice.push_back(v.note);
    }
    return r;
}

std::string format_metric(double value, const std::string& unit) {
    if (std::isnan(value)) return "-";
    char buf[64];
    if (unit == "fraction") {
        std::snprintf(buf, sizeof buf, "%.2f %%", value * 100.0);
        return buf;
    }
    if (unit == "samples/s" || unit == "req/s" || unit.empty())
        return group_thousands(value) + (unit.empty() ? std::string() : std::string(" ") + unit);
    std::snprintf(buf, sizeof buf, "%.3f %s", value, unit.c_str());
    return buf;
}

std::string format_delta(double pct) {
    if (std::isnan(pct)) return {};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.1f %%", pct);
    return buf;
}

}  // namespace batchscope::ui
