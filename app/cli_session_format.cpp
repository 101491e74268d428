#include "cli_session_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "batchscope/store/session_store.h"
#include "cli_rank_compare.h"

namespace batchscope::cli {
namespace {

using nlohmann::json;
using store::SessionInfo;

json info_json(const SessionInfo& i) {
    return {{"id", i.id},
            {"name", i.name},
            {"mode", i.mode},
            {"model", i.model},
            {"dataset", i.dataset},
            {"backend", i.backend},
            {"storage", i.storage},
            {"emulated", i.emulated},
            {"created_at", i.created_at},
            {"ended_at", i.ended_at},
            {"state", i.state},
            {"message", i.message},
            {"note", i.note},
            {"tags", i.tags},
            {"iterations", i.iterations},
            {"requests", i.requests},
            {"dropped_records", i.dropped_records},
            {"config", json::parse(i.config_json, nullptr, false)},
            {"environment", json::parse(i.env_json, nullptr, false)}};
}

json num(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

// Fixed-point text that stays readable from 0.0001 to millions.
std::string fmt_value(double v) {
    char b[32];
    const double a = std::fabs(v);
    std::snprintf(b, sizeof b, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 || a == 0 ? "%.3f" : "%.4f", v);
    return b;
}

std::string tags_text(const std::vector<std::string>& tags) {
    std::string t;
    for (const auto& s : tags) t += (t.empty() ? "" : ",") + s;
    return t;
}

}  // namespace

void print_session_list(const std::vector<SessionInfo>& list, bool as_json) {
    if (as_json) {
        json a = json::array();
        for (const auto& i : list) a.push_back(info_json(i));
        std::cout << a.dump(2) << "\n";
        return;
    }
    if (list.empty()) {
        std::printf("no saved sessions\n");
        return;
    }
    std::printf("%5s  %-20s  %-5s  %-11s  %9s  %8s  %-12s  %s\n", "id", "created (UTC)", "mode", "state", "iters",
                "requests", "tags", "name");
    for (const auto& i : list)
        std::printf("%5lld  %-20.19s  %-5s  %-11s  %9lld  %8lld  %-12s  %s%s\n", static_cast<long long>(i.id),
                    i.created_at.c_str(), i.mode.c_str(), i.state.c_str(), static_cast<long long>(i.iterations),
                    static_cast<long long>(i.requests), tags_text(i.tags).c_str(), i.name.c_str(),
                    i.emulated ? " [emulated storage]" : "");
}

json session_json(store::SessionStore& s, int64_t id) {
    auto info = s.info(id);
    if (!info) throw store::StoreError("no session " + std::to_string(id) + " in " + s.path());
    json j = info_json(*info);
    j["epochs"] = json::array();
    for (const auto& e : s.epochs(id))
        j["epochs"].push_back({{"epoch", e.epoch},
                               {"train_loss", e.train_loss},
                               {"test_accuracy", e.test_accuracy < 0 ? json(nullptr) : json(e.test_accuracy)},
                               {"samples_per_s", e.samples_per_s},
                               {"steady_samples_per_s", e.steady_samples_per_s},
                               {"wall_s", e.wall_s},
                               {"samples", e.samples},
                               {"iterations", e.iterations}});
    j["knob_changes"] = json::array();
    for (const auto& k : s.knob_changes(id))
        j["knob_changes"].push_back({{"iteration", k.iteration}, {"knob", k.knob}, {"old", k.old_value}, {"new", k.new_value}});
    j["verdicts"] = json::array();
    for (const auto& v : s.verdicts(id))
        j["verdicts"].push_back({{"first_iteration", v.first_iteration},
                                 {"last_iteration", v.last_iteration},
                                 {"verdict", v.verdict},
                                 {"advice", v.advice}});
    return j;
}

void print_session(store::SessionStore& s, int64_t id, bool as_json) {
    json j = session_json(s, id);
    if (as_json) {
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("session %lld: %s\n", static_cast<long long>(id), j["name"].get<std::string>().c_str());
    std::printf("  %s, %s, %s on %s, storage: %s\n", j["mode"].get<std::string>().c_str(),
                j["model"].get<std::string>().c_str(), j["dataset"].get<std::string>().c_str(),
                j["backend"].get<std::string>().c_str(), j["storage"].get<std::string>().c_str());
    std::printf("  created %s, ended %s, state %s%s%s\n", j["created_at"].get<std::string>().c_str(),
                j["ended_at"].get<std::string>().c_str(), j["state"].get<std::string>().c_str(),
                j["message"].get<std::string>().empty() ? "" : ": ", j["message"].get<std::string>().c_str());
    std::printf("  %lld iterations, %lld requests, %lld records dropped by the writer\n",
                static_cast<long long>(j["iterations"].get<int64_t>()), static_cast<long long>(j["requests"].get<int64_t>()),
                static_cast<long long>(j["dropped_records"].get<int64_t>()));
    if (!j["note"].get<std::string>().empty()) std::printf("  note: %s\n", j["note"].get<std::string>().c_str());
    std::printf("  config: %s\n  environment: %s\n", j["config"].dump().c_str(), j["environment"].dump().c_str());
    for (const auto& e : j["epochs"])
        std::printf("  epoch %d: loss %.4f, test accuracy %s, %.0f samples/s, %.2f s\n", e["epoch"].get<int>(),
                    e["train_loss"].get<double>(),
                    e["test_accuracy"].is_null() ? "n/a"
                                                 : (std::to_string(100 * e["test_accuracy"].get<double>()).substr(0, 5) + "%").c_str(),
                    e["samples_per_s"].get<double>(), e["wall_s"].get<double>());
    for (const auto& k : j["knob_changes"])
        std::printf("  at iteration %lld: %s %lld -> %lld\n", static_cast<long long>(k["iteration"].get<int64_t>()),
                    k["knob"].get<std::string>().c_str(), static_cast<long long>(k["old"].get<int64_t>()),
                    static_cast<long long>(k["new"].get<int64_t>()));
    for (const auto& v : j["verdicts"]) {
        // The headline, then one line per advice ("prefetch depth 1 → 4: ..."), "try" before a
        // knob change only (not before a note such as "no single change ...", nor before the
        // check of an applied advice, "advice applied (max batch 1 → 4): predicted ...", or of
        // another change, "change applied (max batch 1 → 8; ...): predicted ...").
        std::string advice = v["advice"].get<std::string>();
        for (size_t at = advice.find('\n'); at != std::string::npos; at = advice.find('\n', at + 1)) {
            const size_t end = std::min(advice.find('\n', at + 1), advice.size());
            const std::string next = advice.substr(at + 1, end - at - 1);
            const bool change = next.find("→") != std::string::npos && next.rfind("advice applied", 0) != 0 &&
                                next.rfind("change applied", 0) != 0;
            advice.replace(at, 1, change ? "\n      try " : "\n      ");
        }
        // Inference sessions number their requests, training sessions their iterations.
        const char* unit = j["mode"].get<std::string>() == "infer" ? "requests" : "iterations";
        std::printf("  %s %lld-%lld: %s\n", unit, static_cast<long long>(v["first_iteration"].get<int64_t>()),
                    static_cast<long long>(v["last_iteration"].get<int64_t>()), advice.c_str());
    }
}

void print_comparison(const store::Comparison& c, bool as_json) {
    if (as_json) {
        json j;
        j["sessions"] = json::array();
        for (const auto& s : c.sessions) j["sessions"].push_back({{"id", s.id}, {"name", s.name}});
        j["config_diff"] = json::array();
        for (const auto& r : c.config_diff)
            j["config_diff"].push_back({{"key", r.key}, {"values", r.values}, {"knob", r.is_knob}});
        j["metrics"] = json::array();
        for (const auto& m : c.metrics) {
            json vals = json::array(), deltas = json::array();
            for (double v : m.values) vals.push_back(num(v));
            for (double d : m.delta_pct) deltas.push_back(num(d));
            j["metrics"].push_back({{"name", m.name}, {"unit", m.unit}, {"higher_is_better", m.higher_is_better},
                                    {"values", vals}, {"delta_pct", deltas}});
        }
        if (!c.ranks.ranks.empty()) j["ranks"] = rank_comparison_json(c.ranks);
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("%-26s", "");
    for (const auto& s : c.sessions) std::printf("  #%-4lld %-18.18s", static_cast<long long>(s.id), s.name.c_str());
    std::printf("\n");
    if (c.config_diff.empty()) std::printf("configuration: identical\n");
    else std::printf("configuration that differs (* = a knob):\n");
    for (const auto& r : c.config_diff) {
        std::printf("  %-24.24s", (r.key + (r.is_knob ? " *" : "")).c_str());
        for (const auto& v : r.values) std::printf("  %-24.24s", v.empty() ? "-" : v.c_str());
        std::printf("\n");
    }
    std::printf("measured (delta against #%lld):\n", static_cast<long long>(c.sessions[0].id));
    for (const auto& m : c.metrics) {
        std::string label = m.name;
        if (!m.unit.empty()) label += ", " + m.unit;
        std::printf("  %-24.24s", label.c_str());
        for (size_t i = 0; i < m.values.size(); ++i) {
            std::string cell = std::isnan(m.values[i]) ? "-" : fmt_value(m.values[i]);
            if (i > 0 && !std::isnan(m.delta_pct[i])) {
                char d[32];
                std::snprintf(d, sizeof d, " (%+.1f%%)", m.delta_pct[i]);
                cell += d;
            }
            std::printf("  %-24s", cell.c_str());
        }
        std::printf("\n");
    }
    for (size_t i = 0; i < c.sessions.size(); ++i)
        for (const auto& k : c.knob_changes[i])
            std::printf("  #%lld changed %s %lld -> %lld at iteration %lld\n", static_cast<long long>(c.sessions[i].id),
                        k.knob.c_str(), static_cast<long long>(k.old_value), static_cast<long long>(k.new_value),
                        static_cast<long long>(k.iteration));
    print_rank_comparison(c.ranks);
}

}  // namespace batchscope::cli
