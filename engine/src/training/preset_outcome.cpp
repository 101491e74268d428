#include "batchscope/engine/preset_outcome.h"

#include <cmath>
#include <cstdio>

namespace batchscope::engine {
namespace {

bool is_share(const std::string& m) { return m == "data_wait" || m == "compute_share"; }

std::string words(const std::string& m) {
    if (m == "data_wait") return "data wait";
    if (m == "samples_per_s") return "samples/s";
    if (m == "step_ms") return "step time";
    if (m == "compute_share") return "compute share";
    if (m == "requests_per_s") return "requests/s";
    if (m == "p50_us") return "median latency";
    if (m == "p99_us") return "p99 latency";
    if (m == "mean_batch") return "mean batch";
    return m;
}

std::string number(const std::string& m, double v) {
    char buf[48];
    if (is_share(m)) std::snprintf(buf, sizeof buf, "%.0f%%", v * 100);
    else if (m == "step_ms") std::snprintf(buf, sizeof buf, "%.2f ms", v);
    else if (m == "mean_batch") std::snprintf(buf, sizeof buf, "%.2f", v);
    else if (m == "p50_us" || m == "p99_us") std::snprintf(buf, sizeof buf, "%.0f us", v);
    else std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

std::string fraction(double f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", f * 100);
    return buf;
}

}  // namespace

std::string Expectation::describe() const {
    const std::string than = against_start ? " of the start" : "";
    switch (kind) {
        case Kind::Above: return words(metric) + " above " + number(metric, value);
        case Kind::Below: return words(metric) + " below " + number(metric, value);
        case Kind::RisesBy: return words(metric) + " rises by at least " + fraction(value) + (against_start ? " over the start" : "");
        case Kind::FallsBy: return words(metric) + " falls by at least " + fraction(value) + (against_start ? " from the start" : "");
        case Kind::Within: return words(metric) + " stays within " + fraction(value) + than;
    }
    return {};
}

const std::vector<std::string>& expectation_metrics(bool inference) {
    static const std::vector<std::string> train = {"samples_per_s", "step_ms", "data_wait", "compute_share"};
    static const std::vector<std::string> infer = {"requests_per_s", "p50_us", "p99_us", "mean_batch"};
    return inference ? infer : train;
}

std::string format_figure(const std::string& metric, double value) { return words(metric) + " " + number(metric, value); }

std::optional<Outcome> evaluate(const Expectation& e, const SegmentFigures* before, const SegmentFigures& now) {
    const auto it = now.find(e.metric);
    if (it == now.end() || !std::isfinite(it->second)) return std::nullopt;
    const double v = it->second;
    double b = 0;
    if (e.relative()) {
        if (!before) return std::nullopt;
        const auto bt = before->find(e.metric);
        if (bt == before->end() || !std::isfinite(bt->second)) return std::nullopt;
        b = bt->second;
    }
    Outcome o;
    switch (e.kind) {
        case Expectation::Kind::Above: o.held = v > e.value; break;
        case Expectation::Kind::Below: o.held = v < e.value; break;
        case Expectation::Kind::RisesBy: o.held = v >= b * (1 + e.value); break;
        case Expectation::Kind::FallsBy: o.held = v <= b * (1 - e.value); break;
        case Expectation::Kind::Within: o.held = b != 0 && std::abs(v / b - 1) <= e.value; break;
    }
    o.text = words(e.metric) + " " + (e.relative() ? number(e.metric, b) + " → " : std::string()) + number(e.metric, v) +
             " (expected: " + e.describe().substr(words(e.metric).size() + 1) + "): " + (o.held ? "held" : "did not hold");
    return o;
}

}  // namespace batchscope::engine
