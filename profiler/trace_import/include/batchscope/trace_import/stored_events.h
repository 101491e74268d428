#pragma once
// The raw events an imported session keeps for its lane timeline, kernel table and copy table:
// a bounded number (the trace itself may hold millions), taken as the first whole steps whose
// events fit under a cap. Kept: ProfilerStep spans and DataLoader waits (per CPU thread), and
// kernels, copies and memsets with their names (per GPU stream); not kept: runtime calls,
// operators and annotations. A first step alone over the cap is kept in part (its first events).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/store/records.h"
#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_model.h"

namespace batchscope::trace_import {

inline constexpr size_t kDefaultKeptEvents = 20'000;

struct KeptEvents {
    std::vector<Activity> activities;        // in time order
    std::vector<std::string> names;          // ParsedTrace::names (0: none)
    int steps_kept = 0;                      // whole steps whose events are all kept
    int64_t first_step = 0, last_step = 0;   // their numbers (ProfilerStep#N)
    bool partial = false;                    // the first step alone is over the cap: its first events only
    uint64_t left_out = 0;                   // events of the analysed steps that were not kept
};

// `t.activities` sorted by start (analyse_trace sorts them), `a` its analysis; `cap` 0 keeps none.
KeptEvents keep_events(const ParsedTrace& t, const TraceAnalysis& a, size_t cap = kDefaultKeptEvents);

// The kept events as session rows, times relative to `origin_ns` (the first step's start, as the
// session's iteration rows): host spans on controller lanes (one per CPU thread: Iteration for
// ProfilerStep, as the window the breakdown used; DataWait for the DataLoader), device records on compute-stream lanes (one per GPU
// stream; kernels and memsets as Compute, copies as H2D / D2H / Compute for DtoD and peer copies),
// each with its name, kind, direction, host memory and, for collectives and other device work,
// its breakdown part. `lanes` gets a name per lane ("CPU thread 4711", "GPU stream 7"). At most
// 256 lanes of each kind: events of further threads or streams are left out and counted in
// `lanes_dropped`.
std::vector<store::EventRow> event_rows(const KeptEvents& k, const TraceAnalysis& a, int64_t origin_ns,
                                        std::vector<store::LaneNameRow>& lanes, uint64_t& lanes_dropped);

// A copy's direction (profiler::CopyDirection values) from its Kineto name: "Memcpy HtoD (...)"
// → HtoD, "DtoH", "DtoD", "HtoH", "PtoP"; 0 (unknown) otherwise.
int copy_direction_of(const std::string& name);

}  // namespace batchscope::trace_import
