#pragma once
// A training run on its own controller thread. Knob changes are queued as commands and applied
// at the next iteration boundary; readers pull immutable snapshots and never block the run.
#include <memory>
#include <string>

#include "batchscope/engine/run_sink.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::profiler {
class HostTracer;
}

namespace batchscope::engine {

class TrainingRun {
public:
    explicit TrainingRun(TrainConfig config);
    ~TrainingRun();  // stops and joins
    TrainingRun(const TrainingRun&) = delete;
    TrainingRun& operator=(const TrainingRun&) = delete;

    // Where every record also goes (a session recorder); set before start().
    void set_sink(std::shared_ptr<RunSink> sink);

    void start();   // loads the data and trains on the controller thread
    void pause();
    void resume();
    void stop();    // ends after the current iteration
    void wait();    // blocks until the run ends (not for the GUI thread)

    // Live knobs. They return an empty string when the change was queued, else why it was
    // refused (out of range). Applied at the next iteration boundary, recorded as KnobChange.
    std::string set_batch_size(int n);
    std::string set_prefetch_depth(int n);
    std::string set_workers(int n);
    // The storage profile the training reads go through (recorded as knob "storage_profile",
    // values data::StorageKind as int). Batches already built keep the old profile's timing.
    std::string set_storage_profile(data::StorageKind k);
    // Any live training knob of the registry (knobs/knob.h); a storage profile as its int.
    std::string set_knob(knobs::Knob knob, int64_t value);

    // Never blocks on the controller: at most a pointer copy under a tiny lock.
    std::shared_ptr<const RunSnapshot> snapshot() const;

    const TrainConfig& config() const;
    profiler::HostTracer& tracer();

    struct Impl;  // defined in engine/src (controller state)

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace batchscope::engine
