#pragma once
// Saves an inference run as a session (mode "infer") in a session file: one request row per
// request, the knob changes, and a configuration whose keys `sessions compare` diffs (rate,
// concurrency, max_batch, queue_delay_us, ...).
#include <memory>
#include <string>
#include <vector>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::store {
class SessionRecorder;
struct EventRow;
}

namespace batchscope::engine::infer {

// The run's configuration as a flat JSON object. `scenario` may be empty.
std::string infer_config_json(const InferConfig& c, const BatchService& service, const std::string& scenario = {});

class InferSessionSink : public InferSink {
public:
    // Opens `db_path` and starts a session. Throws store::StoreError naming the file.
    InferSessionSink(const std::string& db_path, const InferConfig& config, const BatchService& service,
                     const std::string& name = {}, const std::string& scenario = {},
                     std::vector<std::string> tags = {});
    ~InferSessionSink() override;

    int64_t session_id() const;
    const std::string& db_path() const;
    uint64_t dropped() const;  // rows the writer could not keep up with

    void on_batch(std::span<const RequestRecord> served) override;
    void on_knob_change(const KnobChange& k) override;
    void on_end(RunState state, const std::string& message, const InferResult& result) override;

    // Keep the run's trace events in the session (the events table), for `sessions export
    // --format chrome`: about 5 per request and 4 per batch. Off by default; set before the run.
    void set_save_events(bool on) { save_events_ = on; }
    bool wants_events() const override { return save_events_; }
    void on_events(std::span<const profiler::Event> events) override;
    uint64_t events_saved() const;    // written to the file (final after on_end)
    uint64_t events_dropped() const;  // offered while the writer's queue was full

private:
    std::unique_ptr<store::SessionRecorder> rec_;
    bool save_events_ = false;
    std::vector<store::EventRow> event_rows_;
};

}  // namespace batchscope::engine::infer
