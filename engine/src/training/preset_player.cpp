#include "batchscope/engine/preset_player.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include "batchscope/engine/data/cache_file.h"
#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/latency_stats.h"
#include "batchscope/engine/session_sink.h"
#include "batchscope/engine/training_run.h"
#include "batchscope/engine/verdict_context.h"

namespace batchscope::engine {
namespace {

constexpr int kSettle = 2;  // iterations skipped after a change while the pipeline refills

void say(const PlayEvents& e, const std::string& line) {
    if (e.say) e.say(line);
}

std::string settings_text(const std::map<std::string, PresetValue>& s) {
    std::string t;
    for (const auto& [k, v] : s) t += (t.empty() ? "" : ", ") + k + " " + v.to_string();
    return t;
}

// Forwards to the session sink and keeps the iterations for the per-segment figures.
class CollectingRunSink : public RunSink {
public:
    explicit CollectingRunSink(std::shared_ptr<RunSink> inner) : inner_(std::move(inner)) {}
    void on_iteration(const IterationRecord& r) override {
        {
            std::lock_guard lock(m_);
            records_.push_back(r);
        }
        if (inner_) inner_->on_iteration(r);
    }
    void on_epoch(const EpochRecord& e) override { if (inner_) inner_->on_epoch(e); }
    void on_knob_change(const KnobChange& k) override { if (inner_) inner_->on_knob_change(k); }
    void on_compute_profile(std::span<const profiler::ComputePoint> p) override {
        if (inner_) inner_->on_compute_profile(p);
    }
    void on_end(RunState s, const std::string& m) override { if (inner_) inner_->on_end(s, m); }
    std::vector<IterationRecord> records() const {
        std::lock_guard lock(m_);
        return records_;
    }

private:
    std::shared_ptr<RunSink> inner_;
    mutable std::mutex m_;
    std::vector<IterationRecord> records_;
};

class CollectingInferSink : public infer::InferSink {
public:
    explicit CollectingInferSink(std::shared_ptr<infer::InferSink> inner) : inner_(std::move(inner)) {}
    void on_batch(std::span<const infer::RequestRecord> served) override {
        {
            std::lock_guard lock(m_);
            done_.insert(done_.end(), served.begin(), served.end());
        }
        if (inner_) inner_->on_batch(served);
    }
    void on_knob_change(const KnobChange& k) override { if (inner_) inner_->on_knob_change(k); }
    void on_end(RunState s, const std::string& m, const infer::InferResult& r) override {
        if (inner_) inner_->on_end(s, m, r);
    }
    std::vector<infer::RequestRecord> served() const {
        std::lock_guard lock(m_);
        return done_;
    }

private:
    std::shared_ptr<infer::InferSink> inner_;
    mutable std::mutex m_;
    std::vector<infer::RequestRecord> done_;
};

// Waits `seconds` of run time (or until the run ends); false when it ended.
template <class Run>
bool run_for(Run& run, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (run_ended(run.snapshot()->state)) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return !run_ended(run.snapshot()->state);
}

// Waits until the run is past loading (training has begun); false when it ended without training.
bool wait_running(TrainingRun& run) {
    for (;;) {
        auto s = run.snapshot();
        if (run_ended(s->state)) return s->state == RunState::Finished && s->iterations_done > 0;
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
        if (run_ended(s->state)) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

SegmentResult segment(std::string setting, int64_t session, int64_t first) {
    SegmentResult s;
    s.setting = std::move(setting);
    s.session = session;
    s.first = first;
    return s;
}

void finish_train_segment(SegmentResult& seg, const std::vector<IterationRecord>& all, int64_t end, const VerdictSetting& setting) {
    std::vector<IterationRecord> in;
    for (const auto& r : all)
        if (r.iteration >= seg.first + kSettle && r.iteration < end) in.push_back(r);
    std::vector<profiler::IterationSample> samples;
    samples.reserve(in.size());
    for (const auto& r : in)
        samples.push_back({r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns, r.breakdown, r.loss, r.queue_depth});
    seg.window = profiler::summarize(samples);
    if (!in.empty()) seg.first = in.front().iteration, seg.last = in.back().iteration;
    seg.verdict = profiler::judge(seg.window, verdict_context(setting, in));
    if (!seg.window.empty()) seg.figures = train_figures(seg.window);
}

// `next`: the live knob change the step after this segment makes (none: the last segment): it is
// predicted from this segment's requests, to be checked on the next segment.
void finish_infer_segment(SegmentResult& seg, const std::vector<infer::RequestRecord>& all, int64_t end,
                          const infer::ServingSetting& setting, std::span<const infer::BatchPoint> profile,
                          std::optional<std::pair<knobs::Knob, double>> next) {
    std::vector<int64_t> lat;
    std::vector<infer::RequestRecord> in;
    int64_t batch_sum = 0, t0 = INT64_MAX, t1 = 0;
    for (const auto& r : all)
        if (r.id >= seg.first && r.id < end) {
            in.push_back(r);
            lat.push_back(r.latency_ns());
            batch_sum += r.batch_size;
            t0 = std::min(t0, r.done_ns);
            t1 = std::max(t1, r.done_ns);
        }
    seg.requests = static_cast<int64_t>(lat.size());
    if (lat.empty()) return;
    seg.seconds = static_cast<double>(t1 - t0) / 1e9;
    const double rps = seg.seconds > 0 ? static_cast<double>(lat.size() - 1) / seg.seconds : 0;
    const double ps[] = {50, 99};
    const auto sum = infer::summarize(lat, ps);
    seg.figures = infer_figures(rps, static_cast<double>(sum.value_ns(50)) / 1e3, static_cast<double>(sum.value_ns(99)) / 1e3,
                                static_cast<double>(batch_sum) / static_cast<double>(seg.requests));
    seg.last = end == INT64_MAX ? -1 : end - 1;
    const auto* p99 = sum.at(99);
    seg.note = p99 && !p99->enough ? "too few requests for a trusted p99" : "";
    infer::ServingJudgeOptions jo;
    jo.profile = profile;
    seg.serving = infer::judge_serving(in, setting, jo);
    if (next) seg.next_change = infer::expect_change(in, setting, seg.serving.advice, next->first, next->second, jo);
}

// The expectations of segment `k` (0: start) and, for a live step, the check of the advice it applied.
void judge_segment(const Preset& p, size_t k, SegmentResult& seg, const SegmentResult* before, const SegmentResult* start) {
    const std::vector<Expectation>& expect = k == 0 ? p.start_expect : p.steps[k - 1].expect;
    seg.expectations = static_cast<int>(expect.size());
    seg.outcomes.clear();
    for (const Expectation& e : expect) {
        const SegmentResult* against = e.against_start ? start : before;
        if (auto o = evaluate(e, against ? &against->figures : nullptr, seg.figures)) seg.outcomes.push_back(std::move(*o));
    }
    if (k == 0 || !before || p.steps[k - 1].is_restart()) return;
    const PresetStep& step = p.steps[k - 1];
    if (p.mode == PresetMode::Infer) {  // the step's change: the advice it applies, or its replay
        if (const auto& e = before->next_change; e && !seg.serving.window.empty())
            seg.advice_check = std::string(e->advised ? "the advice \"" : "the change \"") + e->change.change() + "\" " +
                               infer::check_serving_prediction(e->change.expected, seg.serving.window).text;
        return;
    }
    if (seg.window.empty()) return;
    for (const profiler::Advice& a : before->verdict.advice)
        if (step.knob && a.knob == *step.knob && a.expected.valid() && static_cast<double>(a.to) == step.value.number) {
            seg.advice_check = "the advice \"" + profiler::describe(a.marker()) +
                               "\" " + profiler::check_prediction(a.expected, seg.window).text;
            break;
        }
}

// Judges segment `k` against the segment before it and the start, keeps it, and reports it.
void keep_segment(const Preset& p, size_t k, SegmentResult& seg, const PlayEvents& ev, PlayResult& out) {
    judge_segment(p, k, seg, out.segments.empty() ? nullptr : &out.segments.back(),
                  out.segments.empty() ? nullptr : &out.segments.front());
    out.segments.push_back(seg);
    if (ev.segment_done) ev.segment_done(out.segments.back());
}

std::shared_ptr<SessionSink> open_train_sink(const PlayOptions& o, const Preset& p, const TrainConfig& cfg, const std::string& setting) {
    if (o.db.empty()) return nullptr;
    return std::make_shared<SessionSink>(o.db, cfg, "preset " + p.id + ": " + setting, SessionSink::Open::Now,
                                         std::vector<std::string>{"preset:" + p.id});
}

void play_train(const Preset& p, const PlayOptions& o, const PlayEvents& ev, PlayResult& out) {
    auto settings = p.config;
    TrainConfig cfg;
    apply_settings(settings, cfg, p.id + " config");
    const size_t steps = o.steps < 0 ? p.steps.size() : std::min<size_t>(p.steps.size(), static_cast<size_t>(o.steps));

    auto sink = open_train_sink(o, p, cfg, "start");
    auto collect = std::make_shared<CollectingRunSink>(sink);
    auto run = std::make_unique<TrainingRun>(cfg);
    run->set_sink(collect);
    run->start();
    say(ev, "lesson " + std::to_string(p.lesson) + ": " + p.title + "\nstart: " + settings_text(settings));
    if (!wait_running(*run)) {
        run->wait();
        out.failure = "the run ended before training began: " + run->snapshot()->message;
        return;
    }
    VerdictSetting setting = VerdictSetting::of(cfg);
    SegmentResult seg = segment("start", sink ? sink->session_id() : 0, 0);
    for (size_t k = 0;; ++k) {
        const bool alive = run_for(*run, o.segment_s);
        // A run that ended (all its epochs done) still goes on to a restart step: that is a new run.
        const bool restart_next = k < steps && p.steps[k].is_restart();
        const bool last = k == steps || (!alive && !restart_next);
        if (!alive && k < steps && !restart_next)
            say(ev, "the run ended before step " + std::to_string(k + 1) +
                        " (all its epochs are done): raise \"epochs\" in the preset or shorten the segments");
        int64_t end = INT64_MAX;
        const PresetStep* step = last ? nullptr : &p.steps[k];
        if (step && !step->is_restart()) {
            const size_t before = run->snapshot()->knob_changes.size();
            const std::string err = run->set_knob(*step->knob, static_cast<int64_t>(live_knob_value(*step, p.mode)));
            if (!err.empty()) throw PresetError("step \"" + step->title + "\": " + err);
            end = wait_applied(*run, before);
            if (end < 0) end = INT64_MAX;
        }
        setting.compute_profile = run->snapshot()->compute_profile;  // the forward passes the run timed
        finish_train_segment(seg, collect->records(), end, setting);
        keep_segment(p, k, seg, ev, out);
        if (last) break;
        say(ev, "step " + std::to_string(k + 1) + ": " + step->title);
        if (step->is_restart()) {
            run->stop();
            run->wait();
            for (const auto& [key, v] : step->restart) settings[key] = v;
            cfg = TrainConfig{};
            apply_settings(settings, cfg, p.id + " step " + std::to_string(k + 1));
            run.reset();
            sink = open_train_sink(o, p, cfg, step->title);
            collect = std::make_shared<CollectingRunSink>(sink);
            run = std::make_unique<TrainingRun>(cfg);
            run->set_sink(collect);
            run->start();
            if (!wait_running(*run)) break;
            setting = VerdictSetting::of(cfg);
            seg = segment(step->title, sink ? sink->session_id() : 0, 0);
        } else {
            setting.apply(*step->knob, static_cast<int64_t>(live_knob_value(*step, p.mode)));
            seg = segment(step->title, seg.session, end);
        }
    }
    run->stop();
    run->wait();
    const auto s = run->snapshot();
    if (s->state == RunState::Failed) out.failure = s->message;
}

void play_infer(const Preset& p, const PlayOptions& o, const PlayEvents& ev, PlayResult& out) {
    infer::InferConfig cfg;
    apply_settings(p.config, cfg, p.id + " config");
    for (const auto& s : p.steps)
        if (s.is_restart()) throw PresetError(p.id + ": restart steps are for training presets");
    if (!o.make_service) throw PresetError(p.id + ": no way to build the served model was given");
    cfg.checkpoint = served_checkpoint(p, o.checkpoint, ev.say);
    auto service = o.make_service(cfg);
    // The serving verdict's service times of each batch size (CPU services; timed before the run).
    const std::vector<infer::BatchPoint> profile = service->gpu() ? std::vector<infer::BatchPoint>{} : infer::profile_service(*service, 64);
    std::shared_ptr<infer::InferSessionSink> sink;
    if (!o.db.empty()) {
        sink = std::make_shared<infer::InferSessionSink>(o.db, cfg, *service, "preset " + p.id, "stream",
                                                         std::vector<std::string>{"preset:" + p.id});
        sink->set_service_profile(profile);
    }
    auto collect = std::make_shared<CollectingInferSink>(sink);
    infer::InferenceRun run(cfg, service);
    run.set_sink(collect);
    run.start();
    say(ev, "lesson " + std::to_string(p.lesson) + ": " + p.title + "\nstart: " + settings_text(p.config));
    const size_t steps = o.steps < 0 ? p.steps.size() : std::min<size_t>(p.steps.size(), static_cast<size_t>(o.steps));
    SegmentResult seg = segment("start", sink ? sink->session_id() : 0, 0);
    infer::ServingSetting setting{cfg.mode, cfg.rate, cfg.concurrency, cfg.max_batch, cfg.queue_delay_us};
    for (size_t k = 0;; ++k) {
        const bool alive = run_for(run, o.segment_s);
        const bool last = k == steps || !alive;
        int64_t end = INT64_MAX;
        const PresetStep* step = last ? nullptr : &p.steps[k];
        if (step) {
            const size_t before = run.snapshot()->knob_changes.size();
            const std::string err = run.set_knob(*step->knob, live_knob_value(*step, p.mode));
            if (!err.empty()) throw PresetError("step \"" + step->title + "\": " + err);
            end = wait_applied(run, before);
            if (end < 0) end = INT64_MAX;
        } else {
            run.stop();
            run.wait();
        }
        std::optional<std::pair<knobs::Knob, double>> next;
        if (step) next = std::make_pair(*step->knob, live_knob_value(*step, p.mode));
        finish_infer_segment(seg, collect->served(), end, setting, profile, next);
        if (step) setting.apply(*step->knob, live_knob_value(*step, p.mode));
        keep_segment(p, k, seg, ev, out);
        if (last) break;
        say(ev, "step " + std::to_string(k + 1) + ": " + step->title);
        seg = segment(step->title, seg.session, end);
    }
    run.stop();
    run.wait();
    const auto s = run.snapshot();
    if (s->state == RunState::Failed) out.failure = s->message;
}

}  // namespace

bool SegmentResult::held() const {
    if (static_cast<int>(outcomes.size()) < expectations) return false;  // one could not be measured
    return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.held; });
}

bool PlayResult::all_held() const {
    return failure.empty() && std::all_of(segments.begin(), segments.end(), [](const SegmentResult& s) { return s.held(); });
}

SegmentFigures train_figures(const profiler::WindowSummary& w) {
    return {{"samples_per_s", w.samples_per_s()},
            {"step_ms", w.mean_step_ns() / 1e6},
            {"data_wait", w.data_wait_share()},
            {"compute_share", w.compute_share()}};
}

SegmentFigures infer_figures(double requests_per_s, double p50_us, double p99_us, double mean_batch) {
    return {{"requests_per_s", requests_per_s}, {"p50_us", p50_us}, {"p99_us", p99_us}, {"mean_batch", mean_batch}};
}

std::vector<Outcome> outcomes(const std::vector<Expectation>& expect, const SegmentFigures* before, const SegmentFigures& now) {
    std::vector<Outcome> out;
    for (const Expectation& e : expect)
        if (auto o = evaluate(e, before, now)) out.push_back(std::move(*o));
    return out;
}

PresetProgress::PresetProgress(const Preset& p) : preset_(p) {}

void PresetProgress::step_made(size_t changes_now) {
    const size_t k = figures_.size() - 1;  // the step just made is steps[k]
    figures_.emplace_back();
    outcomes_.emplace_back();
    awaiting_change_ = k < preset_.steps.size() && !preset_.steps[k].is_restart();
    changes_at_step_ = changes_now;
}

void PresetProgress::measured(const SegmentFigures& figures, size_t changes_now) {
    if (awaiting_change_) {
        if (changes_now <= changes_at_step_) return;  // the window still shows the setting before
        awaiting_change_ = false;
    }
    const size_t k = figures_.size() - 1;
    figures_[k] = figures;
    const SegmentFigures* before = k > 0 && !figures_[k - 1].empty() ? &figures_[k - 1] : nullptr;
    const SegmentFigures* start = !figures_[0].empty() ? &figures_[0] : nullptr;
    outcomes_[k].clear();
    for (const Expectation& e : expectations(static_cast<int>(k))) {
        const SegmentFigures* against = e.against_start ? start : before;
        if (auto o = evaluate(e, against, figures)) outcomes_[k].push_back(std::move(*o));
    }
}

const std::vector<Outcome>& PresetProgress::outcomes(int k) const {
    static const std::vector<Outcome> none;
    return k >= 0 && static_cast<size_t>(k) < outcomes_.size() ? outcomes_[static_cast<size_t>(k)] : none;
}

const std::vector<Expectation>& PresetProgress::expectations(int k) const {
    static const std::vector<Expectation> none;
    if (k == 0) return preset_.start_expect;
    return k > 0 && static_cast<size_t>(k) <= preset_.steps.size() ? preset_.steps[static_cast<size_t>(k - 1)].expect : none;
}

bool PresetProgress::measured_segment(int k) const {
    return k >= 0 && static_cast<size_t>(k) < figures_.size() && !figures_[static_cast<size_t>(k)].empty();
}

std::string served_checkpoint(const Preset& p, const std::string& checkpoint, const std::function<void(const std::string&)>& say) {
    if (!checkpoint.empty()) return checkpoint;
    const std::filesystem::path dir = std::filesystem::path(data::default_cache_dir()) / "presets";
    const std::string path = (dir / (p.id + ".bsckpt")).string();
    if (std::filesystem::exists(path)) return path;
    std::filesystem::create_directories(dir);
    TrainConfig t;
    apply_settings(p.serve_model, t, p.id + " serve_model");
    t.checkpoint_path = path + ".part";
    if (say) say("training the model this preset serves (once; kept in " + path + ")");
    TrainingRun run(t);
    run.start();
    run.wait();
    const auto s = run.snapshot();
    if (s->state != RunState::Finished) throw std::runtime_error("training the served model failed: " + s->message);
    std::filesystem::rename(t.checkpoint_path, path);
    if (!s->epochs_done.empty() && say) {
        char line[96];
        std::snprintf(line, sizeof line, "  trained: test accuracy %.2f%% after %zu epochs", 100 * s->epochs_done.back().test_accuracy,
                      s->epochs_done.size());
        say(line);
    }
    return path;
}

PlayResult play_preset(const Preset& p, const PlayOptions& o, const PlayEvents& events) {
    PlayResult out;
    if (p.mode == PresetMode::Train) play_train(p, o, events, out);
    else play_infer(p, o, events, out);
    return out;
}

}  // namespace batchscope::engine
