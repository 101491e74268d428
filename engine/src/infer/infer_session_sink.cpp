#include "batchscope/engine/infer/infer_session_sink.h"

#include <nlohmann/json.hpp>

#include "batchscope/engine/session_sink.h"  // environment_json
#include "batchscope/store/session_recorder.h"

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
                                   std::vector<std::string> tags) {
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
}

InferSessionSink::~InferSessionSink() = default;

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
}

void InferSessionSink::on_knob_change(const KnobChange& k) {
    rec_->add(store::KnobRow{k.time_ns, k.iteration, k.knob, k.old_value, k.new_value});
}

void InferSessionSink::on_events(std::span<const profiler::Event> events) {
    if (!save_events_) return;
    event_rows_.clear();
    for (const profiler::Event& e : events)
        event_rows_.push_back({e.start_ns, e.end_ns, e.id, int64_t{e.bytes}, static_cast<int>(e.phase),
                               static_cast<int>(e.lane.kind), static_cast<int>(e.lane.index)});
    rec_->add_events(event_rows_);
}

uint64_t InferSessionSink::events_saved() const { return rec_->events_written(); }
uint64_t InferSessionSink::events_dropped() const { return rec_->events_dropped(); }

void InferSessionSink::on_end(RunState state, const std::string& message, const InferResult& result) {
    // A GPU stream's session keeps how its phases were timed (CUPTI, or CUDA events and why).
    if (result.gpu_timing.mode == profiler::GpuTimingMode::None) rec_->finish(to_string(state), message);
    else rec_->finish(to_string(state), message + "; " + result.gpu_timing.describe());
}

}  // namespace batchscope::engine::infer
