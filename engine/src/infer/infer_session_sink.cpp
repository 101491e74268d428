#include "batchscope/engine/infer/infer_session_sink.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "batchscope/engine/session_sink.h"  // environment_json
#include "batchscope/store/session_recorder.h"
#include "../session_event_rows.h"

namespace batchscope::engine::infer {
namespace {

// A knob's key in the saved configuration (knobs/knob.h): unchanged, so saved sessions still read.
std::string key(knobs::Knob k) { return std::string(knobs::info(k).config_key); }

}  // namespace

std::string infer_config_json(const InferConfig& c, const BatchService& service, const std::string& scenario) {
    using knobs::Knob;
    nlohmann::json j = {{"mode", "infer"},
                        {"load", to_string(c.mode)},
                        {"model", service.model()},
                        {"dataset", service.dataset()},
                        {"backend", service.backend()},
                        {"compute_backend", c.backend},
                        {"checkpoint", c.checkpoint},
                        {key(Knob::Rate), c.rate},
                        {key(Knob::Concurrency), c.concurrency},
                        {"burst", c.burst},
                        {"requests", c.requests},
                        {key(Knob::MaxBatch), c.max_batch},
                        {key(Knob::QueueDelayUs), c.queue_delay_us},
                        {key(Knob::Threads), c.threads},
                        {"seed", c.seed},
                        {"test_limit", c.test_limit},
                        {"cupti", c.cupti}};
    if (!scenario.empty()) j["scenario"] = scenario;
    return j.dump();
}

InferSessionSink::InferSessionSink(const std::string& db_path, const InferConfig& config, const BatchService& service,
                                   const std::string& name, const std::string& scenario,
                                   std::vector<std::string> tags)
    : saved_rows_(std::make_unique<SavedEventRows>()) {
    store::SessionMeta m;
    std::string load = to_string(config.mode);
    if (is_open_loop(config.mode)) load += std::string(" ") + std::to_string(static_cast<long long>(config.rate)) + "/s";
    if (config.mode == LoadMode::Closed) load += std::string(" x") + std::to_string(config.concurrency);
    m.name = name.empty() ? "infer " + service.model() + ", " + load + ", max batch " +
                                std::to_string(config.max_batch) + ", delay " +
                                std::to_string(config.queue_delay_us) + " us"
                          : name;
    m.mode = "infer";
    m.model = service.model();
    m.dataset = service.dataset();
    m.backend = service.backend();
    m.storage = "memory";
    m.emulated = service.backend() == "synthetic";
    m.config_json = infer_config_json(config, service, scenario);
    m.env_json = environment_json();
    m.tags = std::move(tags);
    rec_ = std::make_unique<store::SessionRecorder>(db_path, m);
    setting_ = {config.mode, config.rate, config.concurrency, config.max_batch, config.queue_delay_us};
    judge_thread_ = std::thread([this] { judge_main(); });
}

InferSessionSink::~InferSessionSink() { stop_judge(); }

int64_t InferSessionSink::session_id() const { return rec_->session_id(); }
const std::string& InferSessionSink::db_path() const { return rec_->path(); }
uint64_t InferSessionSink::dropped() const { return rec_->dropped(); }

void InferSessionSink::on_batch(std::span<const RequestRecord> served) {
    for (const RequestRecord& r : served) {
        store::RequestRow row;
        row.request_id = r.id;
        row.scheduled_ns = r.scheduled_ns;
        row.issued_ns = r.issued_ns;
        row.queue_ns = r.queue_ns();
        row.h2d_ns = r.h2d_ns;
        row.compute_ns = r.compute_ns;
        row.d2h_ns = r.d2h_ns;
        row.latency_ns = r.latency_ns();
        row.batch_size = r.batch_size;
        row.correct = r.correct;
        rec_->add(row);
    }
    std::lock_guard lock(m_);
    window_.insert(window_.end(), served.begin(), served.end());
    if (window_.back().done_ns - window_.front().done_ns >= kVerdictWindowNs) close_window();
}

void InferSessionSink::close_window() {
    if (window_.empty()) return;
    jobs_.push_back({std::move(window_), setting_, std::nullopt});
    window_.clear();
    cv_.notify_one();
}

void InferSessionSink::judge_main() {
    std::unique_lock lock(m_);
    for (;;) {
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, all judged
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        judge(job);
        lock.lock();
    }
}

void InferSessionSink::judge(Job& job) {
    ServingJudgeOptions o;
    o.profile = profile_;
    if (job.change) {
        applied_.reset();
        applied_at_ns_ = job.change_ns;
        const auto [knob, value] = *job.change;
        // Predicted only from a window served at the setting just before this change: after two
        // changes with no such window between them, what is measured is neither one's doing.
        ServingSetting before_window = last_setting_;
        before_window.apply(knob, value);
        if (last_window_.empty() || !(before_window == job.setting)) return;
        applied_ = expect_change(last_window_, last_setting_, last_advice_, knob, value, o);
        return;
    }
    const ServingVerdict v = judge_serving(job.window, job.setting, o);
    if (v.bottleneck == ServingBottleneck::Unknown) return;
    // As the training verdict rows: first and last request ids, the verdict's name, and the text
    // (headline, each advice with " — expected: …", the note, the check of an applied advice).
    store::VerdictRow row;
    row.first_iteration = v.window.first_id;
    row.last_iteration = v.window.last_id;
    row.verdict = bottleneck_name(v.bottleneck);
    row.advice = v.headline;
    auto line = [&](const std::string& text) {
        row.advice += '\n';
        row.advice += text;
    };
    for (const ServingAdvice& a : v.advice) line(a.text());
    if (v.advice.empty() && !v.note.empty()) line(v.note);
    if (applied_) {
        // Checked as `infer --apply-advice` checks it: without the queue left from before the
        // change (its backlog made the p99 error of a good prediction look huge).
        const ServingVerdict settled = judge_serving(settled_after_change(job.window, applied_at_ns_), job.setting, o);
        const ServingWindow& after = settled.window.empty() ? v.window : settled.window;
        const ServingAdvice& c = applied_->change;
        const std::string text = check_serving_prediction(c.expected, after).text;
        line(applied_->advised ? "advice applied (" + c.change() + "): " + text
                               : "change applied (" + c.change() + "; " + applied_->other + "): " + text);
        applied_.reset();
    }
    rec_->add(row);
    // A window too short to advise (the few requests served between the last window and a knob
    // change) keeps the advice and the window before it: a change right after it applies that
    // advice, or is predicted from that window.
    if (v.window.requests >= kMinAdviceRequests) {
        last_advice_ = v.advice;
        last_window_ = std::move(job.window);
        last_setting_ = job.setting;
    }
    std::lock_guard lock(m_);
    ++verdicts_;
}

void InferSessionSink::stop_judge() {
    {
        std::lock_guard lock(m_);
        stopping_ = true;
    }
    cv_.notify_one();
    if (judge_thread_.joinable()) judge_thread_.join();
}

uint64_t InferSessionSink::verdicts() const {
    std::lock_guard lock(m_);
    return verdicts_;
}

void InferSessionSink::on_knob_change(const KnobChange& k) {
    {
        std::lock_guard lock(m_);
        close_window();  // the knobs of a window are one setting
        if (const auto knob = knobs::from_name(k.knob)) {
            setting_.apply(*knob, static_cast<double>(k.new_value));
            jobs_.push_back({{}, setting_, std::make_pair(*knob, static_cast<double>(k.new_value)), k.time_ns});
            cv_.notify_one();
        }
    }
    rec_->add(store::KnobRow{k.time_ns, k.iteration, k.knob, k.old_value, k.new_value});
}

void InferSessionSink::on_events(std::span<const profiler::Event> events) {
    if (!save_events_) return;
    // Less the stream-lane events the device records gave as named rows (session_event_rows.h);
    // without CUPTI the batches' GPU phases are stream-lane events of their own, kept.
    if (const auto rows = saved_rows_->of_events(events); !rows.empty()) rec_->add_events(rows);
}

void InferSessionSink::on_device_records(std::span<const profiler::GpuActivity> records) {
    if (!save_events_) return;
    // Bounded as the other events: what the writer's queue cannot take is dropped and counted.
    if (const auto rows = saved_rows_->of_device_records(records); !rows.empty()) rec_->add_events(rows);
}

uint64_t InferSessionSink::events_saved() const { return rec_->events_written(); }
uint64_t InferSessionSink::events_dropped() const { return rec_->events_dropped(); }

void InferSessionSink::on_end(RunState state, const std::string& message, const InferResult& result) {
    {
        std::lock_guard lock(m_);
        close_window();
    }
    stop_judge();  // every window judged before the session is finished
    // A GPU stream's session keeps how its phases were timed (CUPTI, or CUDA events and why).
    if (result.gpu_timing.mode == profiler::GpuTimingMode::None) rec_->finish(to_string(state), message);
    else rec_->finish(to_string(state), message + "; " + result.gpu_timing.describe());
}

}  // namespace batchscope::engine::infer
