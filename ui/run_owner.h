#pragma once
// Owns the current TrainingRun for the GUI thread and makes sure that thread never waits on it:
// a run being replaced or abandoned is stopped and destroyed (joined) on a background thread.
#include <future>
#include <memory>
#include <vector>

#include "batchscope/engine/train_config.h"
#include "batchscope/engine/training_run.h"

namespace batchscope::ui {

class RunOwner {
public:
    RunOwner() = default;
    ~RunOwner();  // stops the current run and joins every retirement (quick: runs are stopped)
    RunOwner(const RunOwner&) = delete;
    RunOwner& operator=(const RunOwner&) = delete;

    // Retires the current run (if any) and starts a new one with `config`.
    engine::TrainingRun* start(const engine::TrainConfig& config);
    engine::TrainingRun* run() const { return run_.get(); }
    // Stops the current run and hands it to a background thread to be destroyed.
    void retire();
    size_t retiring() const { return retiring_.size(); }

private:
    void reap();

    std::unique_ptr<engine::TrainingRun> run_;
    std::vector<std::future<void>> retiring_;
};

}  // namespace batchscope::ui
