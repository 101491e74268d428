#pragma once
// Saves an inference run as a session (mode "infer") in a session file: one request row per
// request, the knob changes, a configuration whose keys `sessions compare` diffs (rate,
// concurrency, max_batch, queue_delay_us, ...), and a serving verdict per window of about 2 s
// (cut at each knob change; serving_verdict.h) whose text keeps the advice, its expectation and,
// after a knob change, what was predicted for it against what was measured: the advice's own
// expectation when the change applied it, else the change predicted from the last window of
// kMinAdviceRequests or more (predict_serving_change).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/engine/infer/serving_verdict.h"

namespace batchscope::store {
class SessionRecorder;
struct EventRow;
}

namespace batchscope::engine {
class SavedEventRows;  // session_event_rows.h
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
    // A CUPTI-timed GPU stream's kernels, copies and memsets, kept as named device rows (their
    // batch id, phase and stream lane) in place of the stream-lane events made from them
    // (session_event_rows.h): the saved session's kernel and copy tables are the live run's.
    void on_device_records(std::span<const profiler::GpuActivity> records) override;
    uint64_t events_saved() const;    // written to the file (final after on_end)
    uint64_t events_dropped() const;  // offered while the writer's queue was full
    uint64_t verdicts() const;        // verdict rows written so far
    // Service times timed before the run (serving_model.h: profile_service), for the verdicts of
    // windows whose batches all have one size. Before the run.
    void set_service_profile(std::vector<BatchPoint> profile) { profile_ = std::move(profile); }

    static constexpr int64_t kVerdictWindowNs = 2'000'000'000;

private:
    // A window to judge, or a knob change (to match against the advice of the window before it).
    struct Job {
        std::vector<RequestRecord> window;
        ServingSetting setting;
        std::optional<std::pair<knobs::Knob, double>> change;
        int64_t change_ns = 0;  // when the change was made (a change's job)
    };
    void close_window();  // hands the window to the judge thread (under m_)
    void judge_main();    // judges windows off the server thread and stores their verdict rows
    void judge(Job& job);
    void stop_judge();    // judges what is queued, then ends the judge thread

    std::unique_ptr<store::SessionRecorder> rec_;
    // The verdict's window (on_batch: server thread; on_knob_change: controller thread).
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::vector<RequestRecord> window_;
    ServingSetting setting_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    uint64_t verdicts_ = 0;
    // The judge thread's own.
    std::vector<ServingAdvice> last_advice_;
    // The last window of kMinAdviceRequests or more and its setting: what a change is predicted from.
    std::vector<RequestRecord> last_window_;
    ServingSetting last_setting_;
    std::vector<BatchPoint> profile_;
    std::optional<ExpectedChange> applied_;  // the last knob change with what was expected of it
    int64_t applied_at_ns_ = 0;              // when it was made
    std::thread judge_thread_;
    bool save_events_ = false;
    std::unique_ptr<SavedEventRows> saved_rows_;  // what on_events and on_device_records store
};

}  // namespace batchscope::engine::infer
