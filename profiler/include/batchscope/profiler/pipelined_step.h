#pragma once
// The host-clock events of one iteration of a pipelined GPU training loop (batch k+1 staged while
// step k computes), for its breakdown when the GPU is timed with CUDA events (no CUPTI records).
// The controller knows its own times; the device gives two durations: how long the step's compute
// stream waited for the batch's copy (the exposed copy) and how long its compute took.
//
//   t0 ---- t1 ---- t2 ---- tl ---------- tw ---------- ts ---------- t3
//   wait    staging  launch  wait for      stage k+1     wait for step k
//   (only when batch k was not staged ahead)  batch k+1
//
// Parts (priority-ordered by compute_breakdown): data wait t0-t1 and tl-tw; h2d t1-t2 (staging
// batch k), t2-c0 (the exposed copy, c0 = t2 + exposed) and tw-ts (staging batch k+1); compute
// c0-tl (the launch), c0 to c0 + compute (the device's time, clipped to t3) and ts-t3 (the host
// waiting for the step). So the next batch's wait and staging count only where this step's
// compute does not cover them, and a copy that finished before its step began counts nothing.
#include <cstdint>
#include <vector>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

struct PipelinedStepTimes {
    int64_t t0 = 0, t1 = 0, t2 = 0;  // iteration start, batch k received, batch k staged (t1 = t2 = t0: staged ahead)
    int64_t tl = 0;                  // step k launched
    int64_t tw = 0, ts = 0;          // batch k+1 received, staged (tw = ts = tl: none)
    int64_t t3 = 0;                  // step k finished (the host's wait returned)
    bool device_timed = false;       // the two durations below are known
    int64_t exposed_copy_ns = 0;     // the compute stream's wait for batch k's copy
    int64_t compute_ns = 0;          // the step's compute on the device
    uint32_t bytes = 0, next_bytes = 0;  // staged by this iteration: batch k (0 when staged ahead), batch k+1
};

// Appends the iteration's events (controller lane, id `id`) to `out`; `host_parts`, when not
// null, gets the host's own parts (data waits and staging copies) for a breakdown from CUPTI
// records (which bring the device's copy and compute themselves).
void pipelined_step_events(const PipelinedStepTimes& t, int64_t id, std::vector<Event>& out,
                           std::vector<Event>* host_parts = nullptr);

}  // namespace batchscope::profiler
