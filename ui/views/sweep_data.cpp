#include "sweep_data.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/latency_stats.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/store/store_error.h"
#include "run_text.h"

namespace batchscope::ui {

namespace infer = engine::infer;

namespace {

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Splits "a, b,c" at commas; nullopt with `bad` set to the first item that is not a number.
std::optional<std::vector<double>> numbers(const std::string& text, std::string& bad) {
    std::vector<double> out;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string item = trim(text.substr(start, comma - start));
        start = comma + 1;
        if (item.empty() && comma == text.size() && !out.empty()) break;  // a trailing comma
        char* end = nullptr;
        errno = 0;
        const double v = item.empty() ? 0 : std::strtod(item.c_str(), &end);
        if (item.empty() || errno != 0 || end != item.c_str() + item.size() || !std::isfinite(v)) {
            bad = item;
            return std::nullopt;
        }
        out.push_back(v);
    }
    return out;
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string us_text(double us) {
    if (us < 10) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", us);
        return buf;
    }
    return group_thousands(us);
}

double summary_value(const std::vector<std::pair<std::string, double>>& s, const char* key, double fallback) {
    for (const auto& [k, v] : s)
        if (k == key) return v;
    return fallback;
}

}  // namespace

SweepCurvePoint curve_point(const infer::SweepPoint& p, int64_t session) {
    SweepCurvePoint c;
    c.max_batch = p.max_batch;
    c.offered_rps = p.offered_rps;
    c.achieved_rps = p.result.throughput_rps;
    c.p50_us = static_cast<double>(p.result.latency.value_ns(50)) / 1e3;
    c.p99_us = static_cast<double>(p.result.latency.value_ns(99)) / 1e3;
    c.requests = p.result.completed;
    const infer::Percentile* p99 = p.result.latency.at(99);
    c.p99_enough = p99 ? p99->enough : c.requests >= infer::min_samples_for(99);
    c.session = session;
    return c;
}

std::string point_tooltip(const SweepCurvePoint& p) {
    std::string s = "offered " + group_thousands(p.offered_rps) + " req/s \u00b7 max batch " + std::to_string(p.max_batch);
    s += "\nachieved " + group_thousands(p.achieved_rps) + " req/s";
    s += "\np50 " + us_text(p.p50_us) + " \u00b5s \u00b7 p99 " + us_text(p.p99_us) + " \u00b5s" + (p.p99_enough ? "" : "*");
    s += "\n" + group_thousands(static_cast<double>(p.requests)) + " requests";
    if (!p.p99_enough)
        s += "\n* p99 needs " + group_thousands(static_cast<double>(infer::min_samples_for(99))) + " requests to be trusted";
    if (p.session > 0) s += "\nsession " + std::to_string(p.session);
    return s;
}

SweepPlan parse_sweep_plan(const std::string& rates_text, const std::string& batches_text) {
    SweepPlan plan;
    std::string bad;
    const auto rates = numbers(rates_text, bad);
    if (!rates) {
        plan.error = bad.empty() ? "Rates: type offered rates in requests/s separated by commas, e.g. 500,1000,2000"
                                 : "Rates: \"" + bad + "\" is not a number; type rates in requests/s separated by commas";
        return plan;
    }
    for (double r : *rates) {
        if (r < infer::InferLimits::kMinRate || r > infer::InferLimits::kMaxRate) {
            plan.error = "Rates: " + number_text(r) + " req/s is outside " + number_text(infer::InferLimits::kMinRate) +
                         " to " + number_text(infer::InferLimits::kMaxRate);
            return plan;
        }
        if (std::find(plan.rates.begin(), plan.rates.end(), r) != plan.rates.end()) {
            plan.error = "Rates: " + number_text(r) + " is given twice";
            return plan;
        }
        plan.rates.push_back(r);
    }
    if (plan.rates.size() > kMaxSweepRates) {
        plan.error = "Rates: at most " + std::to_string(kMaxSweepRates) + " rates per sweep";
        return plan;
    }
    const auto batches = numbers(batches_text, bad);
    if (!batches) {
        plan.error = bad.empty() ? "Max batches: type batch sizes separated by commas, e.g. 1,4,16"
                                 : "Max batches: \"" + bad + "\" is not a number; type whole numbers separated by commas";
        plan.rates.clear();
        return plan;
    }
    for (double b : *batches) {
        if (b != std::floor(b) || b < infer::InferLimits::kMinMaxBatch || b > infer::InferLimits::kMaxMaxBatch) {
            plan.error = "Max batches: " + number_text(b) + " is not a whole number from " +
                         std::to_string(infer::InferLimits::kMinMaxBatch) + " to " +
                         std::to_string(infer::InferLimits::kMaxMaxBatch);
            break;
        }
        const int n = static_cast<int>(b);
        if (std::find(plan.max_batches.begin(), plan.max_batches.end(), n) != plan.max_batches.end()) {
            plan.error = "Max batches: " + std::to_string(n) + " is given twice";
            break;
        }
        plan.max_batches.push_back(n);
    }
    if (plan.error.empty() && plan.max_batches.size() > kMaxSweepBatches)
        plan.error = "Max batches: at most " + std::to_string(kMaxSweepBatches) + " sizes per sweep (one colour each)";
    if (!plan.error.empty()) {
        plan.rates.clear();
        plan.max_batches.clear();
    }
    return plan;
}

std::string sweep_tag_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    return std::string(kSweepTagPrefix) + buf;
}

std::vector<SavedSweep> list_saved_sweeps(store::SessionStore& st) {
    store::SessionFilter f;
    f.mode = "infer";
    std::map<std::string, SavedSweep> by_tag;
    for (const store::SessionInfo& i : st.list(f)) {
        for (const std::string& tag : i.tags) {
            if (tag.rfind(kSweepTagPrefix, 0) != 0) continue;
            SavedSweep& s = by_tag[tag];
            if (s.tag.empty() || i.created_at < s.created_at) {  // first seen, or older
                s.created_at = i.created_at;
                s.model = i.model;
            }
            s.tag = tag;
            if (i.state == "finished") ++s.points;  // what Load draws: a cancelled point is not one
        }
    }
    std::vector<SavedSweep> out;
    for (auto& [tag, s] : by_tag) out.push_back(std::move(s));
    std::sort(out.begin(), out.end(), [](const SavedSweep& a, const SavedSweep& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.tag > b.tag;
    });
    return out;
}

LoadedSweep load_saved_sweep(store::SessionStore& st, const std::string& tag) {
    store::SessionFilter f;
    f.mode = "infer";
    f.tag = tag;
    const std::vector<store::SessionInfo> sessions = st.list(f);
    if (sessions.empty()) throw store::StoreError("no inference session is tagged " + tag);
    LoadedSweep out;
    for (const store::SessionInfo& i : sessions) {
        const auto cfg = nlohmann::json::parse(i.config_json, nullptr, false);
        const auto summary = st.summary(i.id);
        const double requests = summary_value(summary, "requests", 0);
        const std::string max_batch(knobs::info(knobs::Knob::MaxBatch).config_key);
        const std::string rate(knobs::info(knobs::Knob::Rate).config_key);
        if (i.state != "finished" || !cfg.is_object() || !cfg.contains(max_batch) || !cfg.contains(rate) ||
            !cfg[max_batch].is_number() || !cfg[rate].is_number() || requests <= 0) {
            ++out.skipped;
            continue;
        }
        SweepCurvePoint p;
        p.max_batch = cfg[max_batch].get<int>();
        p.offered_rps = cfg[rate].get<double>();
        p.achieved_rps = summary_value(summary, "requests_per_s", 0);
        p.p50_us = summary_value(summary, "latency_p50_ns", 0) / 1e3;
        p.p99_us = summary_value(summary, "latency_p99_ns", 0) / 1e3;
        p.requests = static_cast<int64_t>(requests);
        p.p99_enough = p.requests >= infer::min_samples_for(99);
        p.session = i.id;
        out.points.push_back(p);
    }
    std::stable_sort(out.points.begin(), out.points.end(), [](const SweepCurvePoint& a, const SweepCurvePoint& b) {
        return a.max_batch != b.max_batch ? a.max_batch < b.max_batch : a.offered_rps < b.offered_rps;
    });
    return out;
}

}  // namespace batchscope::ui
