#pragma once
// Saves a training run as a session in a session file (profiler/store), through a RunSink.
#include <memory>
#include <string>

#include "batchscope/engine/run_sink.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::store {
class SessionRecorder;
}

namespace batchscope::engine {

// The machine a run ran on, as a flat JSON object: CPU model, cores, BLAS, GPU and the reason
// it is not used, compiler, Batchscope version.
std::string environment_json();

// The run's configuration as a flat JSON object (the keys `sessions compare` diffs).
std::string config_json(const TrainConfig& c);

class SessionSink : public RunSink {
public:
    // Opens `db_path` and starts a session for `config`. Throws store::StoreError (with a message
    // naming the file) if the database cannot be used.
    SessionSink(const std::string& db_path, const TrainConfig& config, const std::string& name = {});
    ~SessionSink() override;

    int64_t session_id() const;
    const std::string& db_path() const;
    uint64_t dropped() const;  // rows the writer could not keep up with

    void on_iteration(const IterationRecord& r) override;
    void on_epoch(const EpochRecord& e) override;
    void on_knob_change(const KnobChange& k) override;
    void on_end(RunState state, const std::string& message) override;

private:
    std::unique_ptr<store::SessionRecorder> rec_;
};

}  // namespace batchscope::engine
