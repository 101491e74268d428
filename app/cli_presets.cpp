// `batchscope-cli presets list|show|run`: the workshop scenarios of resources/presets. `run`
// plays a preset like a presenter would: its starting settings for a segment, then each step
// (a live knob change or a restart) for a segment each, and prints what every segment measured.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "batchscope/engine/data/cache_file.h"
#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/latency_stats.h"
#include "batchscope/engine/preset.h"
#include "batchscope/engine/session_sink.h"
#include "batchscope/engine/training_run.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/store/session_store.h"
#include "cli_commands.h"
#include "cli_infer_common.h"

namespace batchscope::cli {
namespace {

using engine::Preset;
using engine::PresetMode;
using engine::PresetStep;
using engine::RunState;
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
};

bool ended(RunState s) { return engine::run_ended(s); }

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
    for (const auto& s : p.steps) {
        json step = {{"title", s.title}, {"explanation", s.explanation}};
        if (s.is_restart()) {
            step["restart"] = json::object();
            for (const auto& [k, v] : s.restart) step["restart"][k] = v.is_text() ? json(v.text) : json(v.number);
        } else {
            step["knob"] = s.knob;
            step["value"] = s.value.is_text() ? json(s.value.text) : json(s.value.number);
        }
        j["steps"].push_back(step);
    }
    return j;
}

// What one segment of a preset run measured.
struct Segment {
    std::string setting;        // "start" or the step's title
    int64_t session = 0;
    int64_t first = 0, last = -1;  // iterations (train) or request ids (infer) measured
    // train
    profiler::WindowSummary window;
    std::string verdict;
    // infer
    int64_t requests = 0;
    double seconds = 0, rps = 0, p50_us = 0, p99_us = 0, mean_batch = 0;
};

Segment segment(std::string setting, int64_t session, int64_t first) {
    Segment s;
    s.setting = std::move(setting);
    s.session = session;
    s.first = first;
    return s;
}

// Forwards to the session sink and keeps the iterations for the per-segment figures.
class CollectingRunSink : public engine::RunSink {
public:
    explicit CollectingRunSink(std::shared_ptr<engine::RunSink> inner) : inner_(std::move(inner)) {}
    void on_iteration(const engine::IterationRecord& r) override {
        {
            std::lock_guard lock(m_);
            samples_.push_back(profiler::IterationSample{r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns,
                                                         r.breakdown, r.loss, r.queue_depth});
        }
        if (inner_) inner_->on_iteration(r);
    }
    void on_epoch(const engine::EpochRecord& e) override { if (inner_) inner_->on_epoch(e); }
    void on_knob_change(const engine::KnobChange& k) override { if (inner_) inner_->on_knob_change(k); }
    void on_end(RunState s, const std::string& m) override { if (inner_) inner_->on_end(s, m); }
    std::vector<profiler::IterationSample> samples() const {
        std::lock_guard lock(m_);
        return samples_;
    }

private:
    std::shared_ptr<engine::RunSink> inner_;
    mutable std::mutex m_;
    std::vector<profiler::IterationSample> samples_;
};

struct ServedRequest {
    int64_t id, latency_ns, done_ns;
    int batch;
};

class CollectingInferSink : public engine::infer::InferSink {
public:
    explicit CollectingInferSink(std::shared_ptr<engine::infer::InferSink> inner) : inner_(std::move(inner)) {}
    void on_batch(std::span<const engine::infer::RequestRecord> served) override {
        {
            std::lock_guard lock(m_);
            for (const auto& r : served) done_.push_back({r.id, r.latency_ns(), r.done_ns, r.batch_size});
        }
        if (inner_) inner_->on_batch(served);
    }
    void on_knob_change(const engine::KnobChange& k) override { if (inner_) inner_->on_knob_change(k); }
    void on_end(RunState s, const std::string& m, const engine::infer::InferResult& r) override {
        if (inner_) inner_->on_end(s, m, r);
    }
    std::vector<ServedRequest> served() const {
        std::lock_guard lock(m_);
        return done_;
    }

private:
    std::shared_ptr<engine::infer::InferSink> inner_;
    mutable std::mutex m_;
    std::vector<ServedRequest> done_;
};

constexpr int kSettle = 2;  // iterations skipped after a change while the pipeline refills

void say(const PresetOptions& o, const std::string& line) {
    if (!o.json) std::printf("%s\n", line.c_str()), std::fflush(stdout);
}

// Waits `seconds` of run time (or until the run ends); false when it ended.
template <class Run>
bool run_for(Run& run, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (ended(run.snapshot()->state)) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return !ended(run.snapshot()->state);
}

// Waits until the run is past loading (training has begun); false when it ended without training
// (a run short enough to finish before it was first seen running has trained: true).
bool wait_running(engine::TrainingRun& run) {
    for (;;) {
        auto s = run.snapshot();
        if (ended(s->state)) return s->state == RunState::Finished && s->iterations_done > 0;
        if (s->state == RunState::Running && s->iterations_done > 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// Waits until the knob change just queued has been applied; its first iteration (or request id).
template <class Run>
int64_t wait_applied(Run& run, size_t changes_before) {
    for (;;) {
        auto s = run.snapshot();
        if (s->knob_changes.size() > changes_before) return s->knob_changes.back().iteration;
        if (ended(s->state)) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void finish_train_segment(Segment& seg, const std::vector<profiler::IterationSample>& all, int64_t end, int batch,
                          int prefetch, int workers) {
    std::vector<profiler::IterationSample> in;
    for (const auto& s : all)
        if (s.iteration >= seg.first + kSettle && s.iteration < end) in.push_back(s);
    seg.window = profiler::summarize(in);
    if (!in.empty()) seg.first = in.front().iteration, seg.last = in.back().iteration;
    profiler::PipelineContext ctx;
    ctx.batch_size = batch;
    ctx.prefetch_depth = prefetch;
    ctx.workers = workers;
    ctx.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
    const profiler::Verdict v = profiler::judge(seg.window, ctx);
    seg.verdict = v.headline;
    if (!v.advice.empty()) seg.verdict += "; try " + v.advice.front().text;
}

std::shared_ptr<engine::SessionSink> open_train_sink(const PresetOptions& o, const Preset& p, const engine::TrainConfig& cfg,
                                                     const std::string& setting) {
    if (o.no_save) return nullptr;
    return std::make_shared<engine::SessionSink>(o.db, cfg, "preset " + p.id + ": " + setting,
                                                 engine::SessionSink::Open::Now, std::vector<std::string>{"preset:" + p.id});
}

int run_train_preset(const PresetOptions& o, const Preset& p, std::vector<Segment>& segments) {
    auto settings = p.config;
    engine::TrainConfig cfg;
    engine::apply_settings(settings, cfg, p.id + " config");
    const size_t steps = o.steps < 0 ? p.steps.size() : std::min<size_t>(p.steps.size(), static_cast<size_t>(o.steps));

    auto sink = open_train_sink(o, p, cfg, "start");
    auto collect = std::make_shared<CollectingRunSink>(sink);
    auto run = std::make_unique<engine::TrainingRun>(cfg);
    run->set_sink(collect);
    run->start();
    say(o, "lesson " + std::to_string(p.lesson) + ": " + p.title + "\nstart: " + settings_text(settings));
    if (!wait_running(*run)) {
        run->wait();
        std::cerr << "batchscope-cli presets run: the run ended before training began: " << run->snapshot()->message << "\n";
        return kExitRunFailed;
    }
    int batch = cfg.batch_size, prefetch = cfg.prefetch_depth, workers = cfg.workers;
    Segment seg = segment("start", sink ? sink->session_id() : 0, 0);
    for (size_t k = 0;; ++k) {
        const bool alive = run_for(*run, o.segment_s);
        // A run that ended (all its epochs done) still goes on to a restart step: that is a new run.
        const bool restart_next = k < steps && p.steps[k].is_restart();
        const bool last = k == steps || (!alive && !restart_next);
        if (!alive && k < steps && !restart_next)
            say(o, "the run ended before step " + std::to_string(k + 1) +
                       " (all its epochs are done): raise \"epochs\" in the preset or shorten --segment-s");
        int64_t end = INT64_MAX;
        const PresetStep* step = last ? nullptr : &p.steps[k];
        if (step && !step->is_restart()) {
            const size_t before = run->snapshot()->knob_changes.size();
            const double value = engine::live_knob_value(*step, p.mode);
            const int v = static_cast<int>(value);
            std::string err = step->knob == "batch_size"       ? run->set_batch_size(v)
                              : step->knob == "prefetch_depth" ? run->set_prefetch_depth(v)
                              : step->knob == "workers"        ? run->set_workers(v)
                                                               : run->set_storage_profile(static_cast<engine::data::StorageKind>(v));
            if (!err.empty()) throw engine::PresetError("step \"" + step->title + "\": " + err);
            end = wait_applied(*run, before);
            if (end < 0) end = INT64_MAX;
        }
        finish_train_segment(seg, collect->samples(), end, batch, prefetch, workers);
        segments.push_back(seg);
        if (!o.json)
            std::printf("  measured %lld iterations: %.0f samples/s, step %.2f ms, data wait %.0f%%, compute %.0f%% — %s\n",
                        static_cast<long long>(seg.window.iterations), seg.window.samples_per_s(), seg.window.mean_step_ns() / 1e6,
                        100 * seg.window.data_wait_share(), 100 * seg.window.compute_share(), seg.verdict.c_str());
        if (last) break;
        say(o, "step " + std::to_string(k + 1) + ": " + step->title);
        if (step->is_restart()) {
            run->stop();
            run->wait();
            for (const auto& [key, v] : step->restart) settings[key] = v;
            cfg = engine::TrainConfig{};
            engine::apply_settings(settings, cfg, p.id + " step " + std::to_string(k + 1));
            run.reset();
            sink = open_train_sink(o, p, cfg, step->title);
            collect = std::make_shared<CollectingRunSink>(sink);
            run = std::make_unique<engine::TrainingRun>(cfg);
            run->set_sink(collect);
            run->start();
            if (!wait_running(*run)) break;
            batch = cfg.batch_size, prefetch = cfg.prefetch_depth, workers = cfg.workers;
            seg = segment(step->title, sink ? sink->session_id() : 0, 0);
        } else {
            const int v = static_cast<int>(engine::live_knob_value(*step, p.mode));
            if (step->knob == "batch_size") batch = v;
            if (step->knob == "prefetch_depth") prefetch = v;
            if (step->knob == "workers") workers = v;
            seg = segment(step->title, seg.session, end);
        }
    }
    run->stop();
    run->wait();
    const auto s = run->snapshot();
    if (s->state == RunState::Failed) {
        std::cerr << "batchscope-cli presets run: " << s->message << "\n";
        return kExitRunFailed;
    }
    return kExitOk;
}

// The model an inference preset serves: --checkpoint, or one trained once with the preset's
// serve_model settings and kept in the cache folder.
std::string served_checkpoint(const PresetOptions& o, const Preset& p) {
    if (!o.checkpoint.empty()) return o.checkpoint;
    const std::filesystem::path dir = std::filesystem::path(engine::data::default_cache_dir()) / "presets";
    const std::string path = (dir / (p.id + ".bsckpt")).string();
    if (std::filesystem::exists(path)) return path;
    std::filesystem::create_directories(dir);
    engine::TrainConfig t;
    engine::apply_settings(p.serve_model, t, p.id + " serve_model");
    t.checkpoint_path = path + ".part";
    say(o, "training the model this preset serves (once; kept in " + path + ")");
    engine::TrainingRun run(t);
    run.start();
    run.wait();
    const auto s = run.snapshot();
    if (s->state != RunState::Finished) throw std::runtime_error("training the served model failed: " + s->message);
    std::filesystem::rename(t.checkpoint_path, path);
    if (!s->epochs_done.empty() && !o.json)
        std::printf("  trained: test accuracy %.2f%% after %zu epochs\n", 100 * s->epochs_done.back().test_accuracy,
                    s->epochs_done.size());
    return path;
}

void finish_infer_segment(Segment& seg, const std::vector<ServedRequest>& all, int64_t end) {
    std::vector<int64_t> lat;
    int64_t batch_sum = 0, t0 = INT64_MAX, t1 = 0;
    for (const auto& r : all)
        if (r.id >= seg.first && r.id < end) {
            lat.push_back(r.latency_ns);
            batch_sum += r.batch;
            t0 = std::min(t0, r.done_ns);
            t1 = std::max(t1, r.done_ns);
        }
    seg.requests = static_cast<int64_t>(lat.size());
    if (lat.empty()) return;
    seg.seconds = static_cast<double>(t1 - t0) / 1e9;
    seg.rps = seg.seconds > 0 ? static_cast<double>(lat.size() - 1) / seg.seconds : 0;
    const double ps[] = {50, 99};
    const auto sum = engine::infer::summarize(lat, ps);
    seg.p50_us = static_cast<double>(sum.value_ns(50)) / 1e3;
    seg.p99_us = static_cast<double>(sum.value_ns(99)) / 1e3;
    seg.mean_batch = static_cast<double>(batch_sum) / static_cast<double>(seg.requests);
    seg.last = end == INT64_MAX ? -1 : end - 1;
    const auto* p99 = sum.at(99);
    seg.verdict = p99 && !p99->enough ? "too few requests for a trusted p99" : "";
}

int run_infer_preset(const PresetOptions& o, const Preset& p, std::vector<Segment>& segments) {
    engine::infer::InferConfig cfg;
    engine::apply_settings(p.config, cfg, p.id + " config");
    for (const auto& s : p.steps)
        if (s.is_restart()) throw engine::PresetError(p.id + ": restart steps are for training presets");
    ServedModelOptions model;
    model.checkpoint = served_checkpoint(o, p);
    cfg.checkpoint = model.checkpoint;
    auto service = make_service(model, cfg);
    std::shared_ptr<engine::infer::InferSessionSink> sink;
    if (!o.no_save) {
        sink = std::make_shared<engine::infer::InferSessionSink>(o.db, cfg, *service, "preset " + p.id, "stream",
                                                                 std::vector<std::string>{"preset:" + p.id});
    }
    auto collect = std::make_shared<CollectingInferSink>(sink);
    engine::infer::InferenceRun run(cfg, service);
    run.set_sink(collect);
    run.start();
    say(o, "lesson " + std::to_string(p.lesson) + ": " + p.title + "\nstart: " + settings_text(p.config));
    const size_t steps = o.steps < 0 ? p.steps.size() : std::min<size_t>(p.steps.size(), static_cast<size_t>(o.steps));
    Segment seg = segment("start", sink ? sink->session_id() : 0, 0);
    for (size_t k = 0;; ++k) {
        const bool alive = run_for(run, o.segment_s);
        const bool last = k == steps || !alive;
        int64_t end = INT64_MAX;
        const PresetStep* step = last ? nullptr : &p.steps[k];
        if (step) {
            const size_t before = run.snapshot()->knob_changes.size();
            const double v = engine::live_knob_value(*step, p.mode);
            std::string err = step->knob == "rate"          ? run.set_rate(v)
                              : step->knob == "concurrency" ? run.set_concurrency(static_cast<int>(v))
                              : step->knob == "max_batch"   ? run.set_max_batch(static_cast<int>(v))
                                                            : run.set_queue_delay_us(static_cast<int64_t>(v));
            if (!err.empty()) throw engine::PresetError("step \"" + step->title + "\": " + err);
            end = wait_applied(run, before);
            if (end < 0) end = INT64_MAX;
        } else {
            run.stop();
            run.wait();
        }
        finish_infer_segment(seg, collect->served(), end);
        segments.push_back(seg);
        if (!o.json)
            std::printf("  measured %lld requests: %.0f requests/s, latency p50 %.0f us, p99 %.0f us, mean batch %.2f%s%s\n",
                        static_cast<long long>(seg.requests), seg.rps, seg.p50_us, seg.p99_us, seg.mean_batch,
                        seg.verdict.empty() ? "" : " — ", seg.verdict.c_str());
        if (last) break;
        say(o, "step " + std::to_string(k + 1) + ": " + step->title);
        seg = segment(step->title, seg.session, end);
    }
    run.stop();
    run.wait();
    const auto s = run.snapshot();
    if (s->state == RunState::Failed) {
        std::cerr << "batchscope-cli presets run: " << s->message << "\n";
        return kExitRunFailed;
    }
    return kExitOk;
}

int run_preset(const PresetOptions& o) {
    Preset p;
    try {
        if (!o.file.empty()) p = engine::load_preset_file(o.file);
        else if (const Preset* found = engine::find_preset(o.which)) p = *found;
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
    if (p.emulated) say(o, "note: this preset uses an emulated storage profile (modelled device timing, labelled so)");
    std::vector<Segment> segments;
    int rc = kExitOk;
    try {
        rc = p.mode == PresetMode::Train ? run_train_preset(o, p, segments) : run_infer_preset(o, p, segments);
    } catch (const store::StoreError& e) {
        std::cerr << "batchscope-cli presets run: cannot save the session: " << e.what()
                  << "\n(use --db FILE for another database, or --no-save)\n";
        return kExitRunFailed;
    } catch (const std::exception& e) {
        std::cerr << "batchscope-cli presets run: " << e.what() << "\n";
        return kExitRunFailed;
    }
    if (o.json) {
        json j = preset_json(p);
        j["segments"] = json::array();
        for (const auto& s : segments) {
            json sj = {{"setting", s.setting}, {"session", s.session}};
            if (p.mode == PresetMode::Train)
                sj.update({{"iterations", s.window.iterations}, {"first_iteration", s.first}, {"last_iteration", s.last},
                           {"samples_per_s", s.window.samples_per_s()}, {"step_ms", s.window.mean_step_ns() / 1e6},
                           {"data_wait_share", s.window.data_wait_share()}, {"compute_share", s.window.compute_share()},
                           {"copy_share", s.window.copy_share()}, {"host_share", s.window.host_share()},
                           {"verdict", s.verdict}});
            else
                sj.update({{"requests", s.requests}, {"requests_per_s", s.rps}, {"p50_us", s.p50_us},
                           {"p99_us", s.p99_us}, {"mean_batch", s.mean_batch}, {"note", s.verdict}});
            j["segments"].push_back(sj);
        }
        std::cout << j.dump(2) << "\n";
    } else if (!o.no_save) {
        std::printf("saved in %s, tagged preset:%s (compare: batchscope-cli sessions list --tag preset:%s)\n", o.db.c_str(),
                    p.id.c_str(), p.id.c_str());
    }
    return rc;
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
    run->add_flag("--json", o->json, "Print one JSON object at the end instead of text");

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
            for (size_t i = 0; i < p->steps.size(); ++i) {
                const auto& s = p->steps[i];
                std::printf("step %zu: %s [%s]\n  %s\n", i + 1, s.title.c_str(),
                            s.is_restart() ? ("restart with " + settings_text(s.restart)).c_str()
                                           : ("live: " + s.knob + " " + s.value.to_string()).c_str(),
                            s.explanation.c_str());
            }
            return kExitOk;
        }
        if (o->which.empty() == o->file.empty()) {
            std::cerr << "batchscope-cli presets run: give a preset id (or lesson number) or --file, not both\n";
            return kExitUsage;
        }
        return run_preset(*o);
    };
}

}  // namespace batchscope::cli
