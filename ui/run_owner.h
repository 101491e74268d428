#pragma once
// Owns the current TrainingRun for the GUI thread and makes sure that thread never waits on it:
// a run being replaced or abandoned is stopped and destroyed (joined) on a background thread.
#include <cstdint>
#include <future>
#include <memory>
#include <vector>

#include "batchscope/engine/session_sink.h"
#include "batchscope/engine/train_config.h"
#include "batchscope/engine/training_run.h"

namespace batchscope::ui {

class RunOwner {
public:
    RunOwner() = default;
    ~RunOwner();  // stops the current run and joins every retirement (quick: runs are stopped)
    RunOwner(const RunOwner&) = delete;
    RunOwner& operator=(const RunOwner&) = delete;

    // Retires the current run (if any) and starts a new one with `config`, saved as a session in
    // `db_path` unless it is empty (the file is opened on the run's thread, never on this one).
    engine::TrainingRun* start(const engine::TrainConfig& config, const std::string& db_path = {},
                               std::vector<std::string> tags = {});
    engine::TrainingRun* run() const { return run_.get(); }
    // Which run this is: 1 for the first start(), one more for each start after it. A new run
    // may reuse a freed run's address, so compare serials, never run() pointers.
    uint64_t serial() const { return serial_; }
    const engine::SessionSink* sink() const { return sink_.get(); }
    // Stops the current run and hands it to a background thread to be destroyed.
    void retire();
    size_t retiring() const { return retiring_.size(); }

private:
    void reap();

    std::shared_ptr<engine::SessionSink> sink_;
    std::unique_ptr<engine::TrainingRun> run_;
    std::vector<std::future<void>> retiring_;
    uint64_t serial_ = 0;
};

}  // namespace batchscope::ui
