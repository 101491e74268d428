#pragma once
// Receives an inference run's records as they happen. on_batch is called on the server thread,
// on_knob_change on the controller thread: implementations must be thread-safe and must not
// block (the session recorder queues and returns).
#include <span>
#include <string>

#include "batchscope/engine/infer/infer_snapshot.h"
#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"

namespace batchscope::engine::infer {

class InferSink {
public:
    virtual ~InferSink() = default;
    virtual void on_batch(std::span<const RequestRecord> served) = 0;
    virtual void on_knob_change(const KnobChange& k) = 0;
    virtual void on_end(RunState state, const std::string& message, const InferResult& result) = 0;
    // Trace events of each served batch (per request: request, queue wait, h2d, compute, d2h; per
    // batch on the server or GPU stream lanes), on the server thread. Made only for a sink whose
    // wants_events() is true when the run starts.
    virtual bool wants_events() const { return false; }
    virtual void on_events(std::span<const profiler::Event> events) { (void)events; }
    // A GPU stream timed by CUPTI: the device records as they are drained (each with its batch's
    // id, the id of the batch's first request, and phase), on the server thread, just before
    // on_events with the stream-lane events made from the same records. Only when wants_events().
    virtual void on_device_records(std::span<const profiler::GpuActivity> records) { (void)records; }
};

}  // namespace batchscope::engine::infer
