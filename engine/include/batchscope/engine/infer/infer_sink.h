#pragma once
// Receives an inference run's records as they happen. on_batch is called on the server thread,
// on_knob_change on the controller thread: implementations must be thread-safe and must not
// block (the session recorder queues and returns).
#include <span>
#include <string>

#include "batchscope/engine/infer/infer_snapshot.h"

namespace batchscope::engine::infer {

class InferSink {
public:
    virtual ~InferSink() = default;
    virtual void on_batch(std::span<const RequestRecord> served) = 0;
    virtual void on_knob_change(const KnobChange& k) = 0;
    virtual void on_end(RunState state, const std::string& message, const InferResult& result) = 0;
};

}  // namespace batchscope::engine::infer
