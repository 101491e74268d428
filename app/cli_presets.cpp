// `batchscope-cli presets list|show|run`: the workshop scenarios of resources/presets. `run`
// plays a preset with the engine's preset player (preset_player.h) and prints what every
// segment measured, its verdict and whether the step's expected outcome held.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "batchscope/engine/preset.h"
#include "batchscope/engine/preset_player.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/store/session_store.h"
#include "cli_commands.h"
#include "cli_infer_common.h"
#include "cli_serving_verdict.h"

namespace batchscope::cli {
namespace {

using engine::Preset;
using engine::PresetMode;
using engine::PresetStep;
using json = nlohmann::json;

struct PresetOptions {
    std::string which;   // id or lesson number
    std::string file;    // a preset file instead
    double segment_s = 8;
    int steps = -1;      // steps to take (-1: all)
    std::string db = store::SessionStore::default_path();
    bool no_save = false;
    bool json = false;
    bool quiet = false;
    std::string checkpoint;  // infer: serve this instead of training the preset's model
    bool all = false;        // every built-in preset, in lesson order
    bool check = false;      // exit non-zero when an expected outcome did not hold
};

const char* mode_name(PresetMode m) { return m == PresetMode::Train ? "train" : "infer"; }

std::string settings_text(const std::map<std::string, engine::PresetValue>& s) {
    std::string t;
    for (const auto& [k, v] : s) t += (t.empty() ? "" : ", ") + k + " " + v.to_string();
    return t;
}

json preset_json(const Preset& p) {
    json j = {{"id", p.id}, {"lesson", p.lesson}, {"title", p.title}, {"summary", p.summary},
              {"explanation", p.explanation}, {"mode", mode_name(p.mode)}, {"emulated_storage", p.emulated},
              {"source", p.source}, {"config", json::object()}, {"steps", json::array()}};
    for (const auto& [k, v] : p.config) j["config"][k] = v.is_text() ? json(v.text) : json(v.number);
    j["expect"] = json::array();
    for (const auto& e : p.start_expect) j["expect"].push_back(e.describe());
    for (const auto& s : p.steps) {
        json step = {{"title", s.title}, {"explanation", s.explanation}};
        if (s.is_restart()) {
            step["restart"] = json::object();
            for (const auto& [k, v] : s.restart) step["restart"][k] = v.is_text() ? json(v.text) : json(v.number);
        } else {
            step["knob"] = knobs::info(*s.knob).name;
            step["value"] = s.value.is_text() ? json(s.value.text) : json(s.value.number);
        }
        step["expect"] = json::array();
        for (const auto& e : s.expect) step["expect"].push_back(e.describe());
        j["steps"].push_back(step);
    }
    return j;
}

void say(const PresetOptions& o, const std::string& line) {
    if (!o.json) std::printf("%s\n", line.c_str()), std::fflush(stdout);
}

std::string pct(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
    return buf;
}

void print_segment(const engine::SegmentResult& s, bool train) {
    if (train) {
        std::printf("  measured %lld iterations: %.0f samples/s, step %.2f ms, data wait %s, compute %s — %s\n",
                    static_cast<long long>(s.window.iterations), s.window.samples_per_s(), s.window.mean_step_ns() / 1e6,
                    pct(s.window.data_wait_share()).c_str(), pct(s.window.compute_share()).c_str(), s.verdict.headline.c_str());
        if (!s.verdict.diagnosis.empty()) std::printf("    why: %s\n", s.verdict.diagnosis.c_str());
        if (!s.verdict.advice.empty()) {
            const profiler::Advice& a = s.verdict.advice.front();
            std::printf("    advice: try %s\n", a.text.c_str());
            if (a.expected.valid()) std::printf("    expected: %s\n", profiler::describe(a.expected).c_str());
        } else if (!s.verdict.note.empty()) {
            std::printf("    no knob helps: %s\n", s.verdict.note.c_str());
        }
        if (!s.advice_check.empty()) std::printf("    %s\n", s.advice_check.c_str());
    } else {
        auto f = [&](const char* k) { auto it = s.figures.find(k); return it == s.figures.end() ? 0.0 : it->second; };
        std::printf("  measured %lld requests: %.0f requests/s, latency p50 %.0f us, p99 %.0f us, mean batch %.2f%s%s\n",
                    static_cast<long long>(s.requests), f("requests_per_s"), f("p50_us"), f("p99_us"), f("mean_batch"),
                    s.note.empty() ? "" : " — ", s.note.c_str());
        print_serving_verdict(s.serving, "    ");
        if (!s.advice_check.empty()) std::printf("    %s\n", s.advice_check.c_str());
    }
    for (const engine::Outcome& o : s.outcomes) std::printf("    %s %s\n", o.held ? "[held]" : "[DID NOT HOLD]", o.text.c_str());
    if (static_cast<int>(s.outcomes.size()) < s.expectations)
        std::printf("    [DID NOT HOLD] %d expected outcome(s) could not be measured\n", s.expectations - static_cast<int>(s.outcomes.size()));
    std::fflush(stdout);
}

json segment_json(const engine::SegmentResult& s, bool train) {
    json sj = {{"setting", s.setting}, {"session", s.session}, {"held", s.held()}, {"outcomes", json::array()}};
    for (const auto& o : s.outcomes) sj["outcomes"].push_back({{"held", o.held}, {"text", o.text}});
    if (train) {
        std::string verdict = s.verdict.headline;
        if (!s.verdict.advice.empty()) verdict += "; try " + s.verdict.advice.front().text;
        sj.update({{"iterations", s.window.iterations}, {"first_iteration", s.first}, {"last_iteration", s.last},
                   {"samples_per_s", s.window.samples_per_s()}, {"step_ms", s.window.mean_step_ns() / 1e6},
                   {"data_wait_share", s.window.data_wait_share()}, {"compute_share", s.window.compute_share()},
                   {"copy_share", s.window.copy_share()}, {"host_share", s.window.host_share()},
                   {"verdict", verdict}, {"advice_check", s.advice_check}});
        if (!s.verdict.advice.empty() && s.verdict.advice.front().expected.valid()) {
            const profiler::Prediction& p = s.verdict.advice.front().expected;
            sj["advice_expected"] = {{"step_ms", p.step_ns / 1e6}, {"samples_per_s", p.samples_per_s},
                                     {"data_wait_share", p.data_wait_share}, {"reason", p.reason}};
        }
    } else {
        auto f = [&](const char* k) { auto it = s.figures.find(k); return it == s.figures.end() ? 0.0 : it->second; };
        sj.update({{"requests", s.requests}, {"requests_per_s", f("requests_per_s")}, {"p50_us", f("p50_us")},
                   {"p99_us", f("p99_us")}, {"mean_batch", f("mean_batch")}, {"note", s.note},
                   {"verdict", serving_verdict_json(s.serving)}, {"advice_check", s.advice_check}});
    }
    return sj;
}

// Plays one preset; sets `held` to whether every expected outcome held.
int play_one(const PresetOptions& o, const Preset& p, bool& held, json* all_json) {
    if (p.emulated) say(o, "note: this preset uses an emulated storage profile (modelled device timing, labelled so)");
    const bool train = p.mode == PresetMode::Train;
    engine::PlayOptions po;
    po.segment_s = o.segment_s;
    po.steps = o.steps;
    po.db = o.no_save ? std::string() : o.db;
    po.checkpoint = o.checkpoint;
    po.make_service = [](const engine::infer::InferConfig& cfg) {
        ServedModelOptions model;
        model.checkpoint = cfg.checkpoint;
        return make_service(model, cfg);
    };
    engine::PlayEvents ev;
    ev.say = [&o](const std::string& line) { say(o, line); };
    ev.segment_done = [&o, train](const engine::SegmentResult& s) {
        if (!o.json) print_segment(s, train);
    };
    engine::PlayResult r;
    try {
        r = engine::play_preset(p, po, ev);
    } catch (const store::StoreError& e) {
        std::cerr << "batchscope-cli presets run: cannot save the session: " << e.what()
                  << "\n(use --db FILE for another database, or --no-save)\n";
        return kExitRunFailed;
    } catch (const std::exception& e) {
        std::cerr << "batchscope-cli presets run: " << e.what() << "\n";
        return kExitRunFailed;
    }
    held = r.all_held();
    if (!r.failure.empty()) {
        std::cerr << "batchscope-cli presets run: " << r.failure << "\n";
        return kExitRunFailed;
    }
    int stated = 0, missed = 0;
    for (const auto& s : r.segments) {
        stated += s.expectations;
        for (const auto& out : s.outcomes) missed += out.held ? 0 : 1;
        missed += s.expectations - static_cast<int>(s.outcomes.size());
    }
    say(o, "lesson " + std::to_string(p.lesson) + ": " + std::to_string(stated - missed) + " of " + std::to_string(stated) +
               " expected outcomes held" + (held ? "" : " — the lesson did not show what it claims"));
    if (all_json) {
        json j = preset_json(p);
        j["segments"] = json::array();
        for (const auto& s : r.segments) j["segments"].push_back(segment_json(s, train));
        j["all_held"] = held;
        all_json->push_back(j);
    } else if (!o.no_save) {
        std::printf("saved in %s, tagged preset:%s (compare: batchscope-cli sessions list --tag preset:%s)\n", o.db.c_str(),
                    p.id.c_str(), p.id.c_str());
    }
    return kExitOk;
}

int run_preset(const PresetOptions& o) {
    std::vector<Preset> chosen;
    try {
        if (o.all) chosen = engine::builtin_presets();
        else if (!o.file.empty()) chosen.push_back(engine::load_preset_file(o.file));
        else if (const Preset* found = engine::find_preset(o.which)) chosen.push_back(*found);
        else {
            std::cerr << "batchscope-cli presets run: no preset \"" << o.which << "\" (see `batchscope-cli presets list`)\n";
            return kExitUsage;
        }
    } catch (const engine::PresetError& e) {
        std::cerr << "batchscope-cli presets run: " << e.what() << "\n";
        return kExitUsage;
    }
    if (!(o.segment_s >= 1 && o.segment_s <= 3600)) {
        std::cerr << "batchscope-cli presets run: --segment-s must be 1 to 3600 seconds\n";
        return kExitUsage;
    }
    json all = json::array();
    std::vector<std::string> not_held;
    for (const Preset& p : chosen) {
        bool held = true;
        const int rc = play_one(o, p, held, o.json ? &all : nullptr);
        if (rc != kExitOk) return rc;
        if (!held) not_held.push_back(std::to_string(p.lesson));
    }
    if (o.json) std::cout << (o.all ? all : all.front()).dump(2) << "\n";
    if (o.check && !not_held.empty()) {
        std::string list;
        for (const auto& l : not_held) list += (list.empty() ? "" : ", ") + l;
        std::cerr << "batchscope-cli presets run --check: lesson " << list
                  << " did not show what it claims (an expected outcome did not hold; see above)\n";
        return kExitRunFailed;
    }
    return kExitOk;
}

}  // namespace

Runner add_presets_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("presets", "Workshop scenarios: one per lesson (list, show, run)");
    cmd->require_subcommand(1);
    auto o = std::make_shared<PresetOptions>();
    auto* list = cmd->add_subcommand("list", "List the built-in presets");
    list->add_flag("--json", o->json, "Print JSON");
    auto* show = cmd->add_subcommand("show", "Show a preset: its story, settings and steps");
    show->add_option("preset", o->which, "Preset id or lesson number")->required();
    show->add_flag("--json", o->json, "Print JSON");
    auto* run = cmd->add_subcommand("run", "Play a preset: a measured segment for its start and after each step");
    run->add_option("preset", o->which, "Preset id or lesson number (see `presets list`)");
    run->add_option("--file", o->file, "A preset file instead of a built-in one (format: resources/presets/README.md)");
    run->add_option("--segment-s", o->segment_s, "Seconds each segment runs before the next step")->capture_default_str();
    run->add_option("--steps", o->steps, "Take only the first N steps");
    run->add_option("--db", o->db, "Session database the runs are saved in")->capture_default_str();
    run->add_flag("--no-save", o->no_save, "Do not save the runs as sessions");
    run->add_option("--checkpoint", o->checkpoint, "Inference presets: serve this checkpoint instead of training one");
    run->add_flag("--json", o->json, "Print one JSON object at the end instead of text (a list with --all)");
    run->add_flag("--all", o->all, "Play every built-in preset, in lesson order");
    run->add_flag("--check", o->check, "Exit with status 1 when an expected outcome of a step did not hold");

    return [o, list, show, run]() -> int {
        if (list->parsed()) {
            const auto& all = engine::builtin_presets();
            if (o->json) {
                json j = json::array();
                for (const auto& p : all) j.push_back(preset_json(p));
                std::cout << j.dump(2) << "\n";
                return kExitOk;
            }
            std::printf("%-6s  %-26s  %-5s  %5s  %s\n", "lesson", "id", "mode", "steps", "title");
            for (const auto& p : all)
                std::printf("%-6d  %-26s  %-5s  %5zu  %s%s\n", p.lesson, p.id.c_str(), mode_name(p.mode), p.steps.size(),
                            p.title.c_str(), p.emulated ? " [emulated storage]" : "");
            return kExitOk;
        }
        if (show->parsed()) {
            const Preset* p = engine::find_preset(o->which);
            if (!p) {
                std::cerr << "batchscope-cli presets show: no preset \"" << o->which << "\" (see `batchscope-cli presets list`)\n";
                return kExitUsage;
            }
            if (o->json) {
                std::cout << preset_json(*p).dump(2) << "\n";
                return kExitOk;
            }
            std::printf("lesson %d: %s (%s, %s)\n%s\n\n%s\n\nstart: %s\n", p->lesson, p->title.c_str(), p->id.c_str(),
                        mode_name(p->mode), p->summary.c_str(), p->explanation.c_str(), settings_text(p->config).c_str());
            for (const auto& e : p->start_expect) std::printf("  expected: %s\n", e.describe().c_str());
            for (size_t i = 0; i < p->steps.size(); ++i) {
                const auto& s = p->steps[i];
                std::printf("step %zu: %s [%s]\n  %s\n", i + 1, s.title.c_str(),
                            s.is_restart() ? ("restart with " + settings_text(s.restart)).c_str()
                                           : ("live: " + std::string(knobs::info(*s.knob).name) + " " + s.value.to_string()).c_str(),
                            s.explanation.c_str());
                for (const auto& e : s.expect) std::printf("  expected: %s\n", e.describe().c_str());
            }
            return kExitOk;
        }
        if ((o->which.empty() ? 0 : 1) + (o->file.empty() ? 0 : 1) + (o->all ? 1 : 0) != 1) {
            std::cerr << "batchscope-cli presets run: give one of a preset id (or lesson number), --file or --all\n";
            return kExitUsage;
        }
        return run_preset(*o);
    };
}

}  // namespace batchscope::cli
