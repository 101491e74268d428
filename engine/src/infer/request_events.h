#pragma once
// Internal: the trace events of one served batch (profiler/event.h), for sinks that keep them.
#include <span>
#include <vector>

#include "batchscope/engine/infer/request.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/profiler/event.h"

namespace batchscope::engine::infer {

// Appends, for a batch that began at served[0].start_ns and ended at served[0].done_ns:
// - per request (lane Requests, id = the request's id): the request from its scheduled arrival to
//   its response, its queue wait (scheduled arrival to the batch's start) and its batch's h2d,
//   compute and d2h;
// - per batch (id = its first request's id): the batch on the server lane, and its phases on the
//   server lane (CPU) or on the copy stream (h2d) and compute stream (compute, d2h) of the GPU,
//   unless `stream_lanes` is false (CUPTI's records give the GPU's lanes instead).
void append_batch_events(std::span<const RequestRecord> served, const BatchTiming& t,
                         std::vector<profiler::Event>& out, bool stream_lanes = true);

}  // namespace batchscope::engine::infer
