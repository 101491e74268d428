#pragma once
// Saves a training run as a session in a session file (profiler/store), through a RunSink.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "batchscope/engine/run_sink.h"
#include "batchscope/engine/train_config.h"
#include "batchscope/engine/verdict_context.h"
#include "batchscope/profiler/breakdown.h"

namespace batchscope::store {
class SessionRecorder;
struct EventRow;
}

namespace batchscope::engine {

class SavedEventRows;  // session_event_rows.h

// The machine a run ran on, as a flat JSON object: CPU model, cores, BLAS, GPU and the reason
// it is not used, compiler, Batchscope version.
std::string environment_json();

// The run's configuration as a flat JSON object (the keys `sessions compare` diffs).
std::string config_json(const TrainConfig& c);

class SessionSink : public RunSink {
public:
    enum class Open { Now, OnFirstRecord };
    // Opens `db_path` and starts a session for `config`. With Open::Now, throws store::StoreError
    // (naming the file) if the database cannot be used. With Open::OnFirstRecord the file is
    // opened on the run's controller thread (the GUI thread never touches the disk) and a failure
    // is kept in error() instead: the run goes on unsaved, and the GUI says so.
    // `tags` are given to the session when it is created.
    SessionSink(const std::string& db_path, const TrainConfig& config, const std::string& name = {},
                Open when = Open::Now, std::vector<std::string> tags = {});
    ~SessionSink() override;

    int64_t session_id() const;      // 0 until opened
    const std::string& db_path() const { return db_path_; }
    uint64_t dropped() const;        // rows the writer could not keep up with
    int64_t verdicts_written() const { return verdicts_.load(); }

    // A bottleneck verdict (profiler/verdict.h) is saved for each window of iterations: at least
    // this long in run time, and cut short at every knob change and at the end of the run.
    static constexpr int64_t kVerdictWindowNs = 2'000'000'000;
    std::string error() const;       // why the session could not be saved, or empty

    void on_iteration(const IterationRecord& r) override;
    void on_epoch(const EpochRecord& e) override;
    void on_knob_change(const KnobChange& k) override;
    void on_compute_profile(std::span<const profiler::ComputePoint> profile) override;  // for the verdict rows
    void on_device(const DeviceView& d) override;  // the GPU trace's completeness, as summary figures
    void on_end(RunState state, const std::string& message) override;
    void on_events(std::span<const profiler::Event> events) override;
    // With save_events on, a CUPTI-timed GPU run's kernels, copies and memsets are kept as named
    // device rows (their iteration id, phase and stream lane), in place of the stream-lane events
    // made from them (session_event_rows.h says why): the saved session's kernel and copy tables
    // are the live run's.
    void on_device_records(std::span<const profiler::GpuActivity> records) override;

    // Keep the run's raw trace events in the session (the events table). Off by default: a
    // run makes ~10 events per iteration. Set before the run starts.
    void set_save_events(bool on) { save_events_ = on; }
    bool save_events() const { return save_events_; }
    uint64_t events_saved() const;    // written to the file (final after on_end)
    uint64_t events_dropped() const;  // offered while the writer's queue was full

private:
    store::SessionRecorder* recorder();  // opens on first use; null if that failed
    void close_window();                 // judges the open window and saves the verdict

    // The verdict window (controller thread only).
    struct Window {
        int64_t first = -1, last = -1, samples = 0, start_ns = 0, end_ns = 0;
        profiler::Breakdown total;
        std::vector<IterationRecord> records;  // for the loader's figures in the verdict's context
    } window_;
    VerdictSetting setting_;  // knobs in effect
    std::vector<profiler::Advice> last_advice_;  // of the last window judged
    std::optional<profiler::Advice> applied_;    // the change just made was that advice: checked in the next window
    std::atomic<int64_t> verdicts_{0};

    std::string db_path_;
    std::unique_ptr<struct SessionSinkMeta> meta_;
    std::atomic<int64_t> id_{0};
    mutable std::mutex error_m_;
    std::string error_;
    bool open_failed_ = false;
    bool save_events_ = false;
    std::unique_ptr<SavedEventRows> saved_rows_;  // what on_events and on_device_records store
    std::unique_ptr<store::SessionRecorder> rec_;
};

}  // namespace batchscope::engine
