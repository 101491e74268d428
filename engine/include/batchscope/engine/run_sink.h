#pragma once
// Receives a run's records as they happen, on the controller thread. Implementations must not
// block (the session recorder queues and returns).
#include <span>
#include <string>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"

namespace batchscope::engine {

class RunSink {
public:
    virtual ~RunSink() = default;
    virtual void on_iteration(const IterationRecord& r) = 0;
    virtual void on_epoch(const EpochRecord& e) = 0;
    virtual void on_knob_change(const KnobChange& k) = 0;
    // The model's forward passes timed so far (RunSnapshot::compute_profile): after the model
    // opens, and after a batch-size change (after its on_knob_change).
    virtual void on_compute_profile(std::span<const profiler::ComputePoint> /*profile*/) {}
    virtual void on_end(RunState state, const std::string& message) = 0;
    // Raw trace events as the controller drains them from the tracers (not in time order across
    // lanes); the last ones come just before on_end. Only when the run traces.
    virtual void on_events(std::span<const profiler::Event> /*events*/) {}
    // GPU runs timed by CUPTI, when the run traces: the device records (kernels, copies, memsets,
    // runtime calls, ...) as they are drained, in that order, each with its iteration id and phase;
    // called just before on_events with the stream-lane events made from the same records.
    virtual void on_device_records(std::span<const profiler::GpuActivity> /*records*/) {}
    // GPU runs: the device view at the end (kernel and copy tables, CUPTI's counts), just
    // before on_end.
    virtual void on_device(const DeviceView& /*device*/) {}
};

}  // namespace batchscope::engine
