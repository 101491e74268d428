#pragma once
// The breakdown of each step of an imported trace, with the parts and the priority of our own
// runs plus two for GPU traces: compute (kernels) > comm (NCCL kernels) > h2d > d2h > other
// device work (memsets, DtoD and peer copies) > data wait (DataLoader __next__ spans) > host
// (the rest of the window). A part only gets the time no higher part covers, so the parts sum
// to the window.
//
// A step's window is its ProfilerStep#N span, extended to the end of the last GPU activity
// launched inside it (the runtime call joined by `correlation`), never past the next step's
// start. A trace with no ProfilerStep is one window over its whole span.
#include <cstdint>
#include <vector>

#include "batchscope/profiler/breakdown.h"
#include "batchscope/trace_import/trace_model.h"

namespace batchscope::trace_import {

// A step's wall time and its seven parts are a profiler::Breakdown (the same fields and sum as
// our own runs' iterations); the rest is what only a trace tells.
struct StepParts : profiler::Breakdown {
    int64_t number = 0;    // N of ProfilerStep#N (0 for a whole-trace window)
    int64_t start_ns = 0;  // on the trace's clock
    // Of host (GPU traces only): the GPU idle with no work queued, i.e. waiting for the host to
    // launch some (HTA's "host wait"). The rest of host had work queued (launch latency, syncs).
    int64_t host_wait_ns = 0;
    int64_t comm_busy_ns = 0;     // time with a collective running (before the priority)
    int64_t comm_overlap_ns = 0;  // of which a compute kernel ran too

    StepParts& operator+=(const StepParts& o) noexcept;
};

struct TraceAnalysis {
    std::vector<StepParts> steps;  // in time order
    StepParts total;               // the steps summed (number 0, start of the first step)
    bool whole_trace_window = false;  // no ProfilerStep in the trace
    bool has_gpu = false;
    int steps_seen = 0;               // ProfilerStep spans read
    int steps_lost = 0;               // of which cut off by the end of a truncated file
    int64_t h2d_copies = 0;           // host-to-device copies in the trace
    int64_t h2d_pageable = 0;         // of which from pageable (not pinned) memory
};

// Sorts `t.activities` in place.
TraceAnalysis analyse_trace(ParsedTrace& t);

}  // namespace batchscope::trace_import
