#pragma once
// Receives a run's records as they happen, on the controller thread. Implementations must not
// block (the session recorder queues and returns).
#include <span>
#include <string>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/profiler/event.h"

namespace batchscope::engine {

class RunSink {
public:
    virtual ~RunSink() = default;
    virtual void on_iteration(const IterationRecord& r) = 0;
    virtual void on_epoch(const EpochRecord& e) = 0;
    virtual void on_knob_change(const KnobChange& k) = 0;
    virtual void on_end(RunState state, const std::string& message) = 0;
    // Raw trace events as the controller drains them from the tracers (not in time order across
    // lanes); the last ones come just before on_end. Only when the run traces.
    virtual void on_events(std::span<const profiler::Event> /*events*/) {}
    // GPU runs: the device view at the end (kernel and copy tables, CUPTI's counts), just
    // before on_end.
    virtual void on_device(const DeviceView& /*device*/) {}
};

}  // namespace batchscope::engine
