#pragma once
// What the session-detail views show of a saved session (the dashboard's lane timeline, kernel
// table and copy table; `sessions show --kernels / --copies`): its stored events by lane, and the
// kernel and copy tables built from its named device records: an imported trace's, or our own GPU
// run's CUPTI records when it saved its events (CPU runs and runs timed with CUDA events have none:
// their tables are empty and `tables_note` says why); sessions without stored events get their
// timeline rebuilt from their iteration or request rows (session_trace.h).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/store/session_store.h"

namespace batchscope::analysis {

struct SessionDetail {
    std::vector<profiler::Event> events;  // host spans and device records, in time order
    std::vector<std::string> names;       // events[i]'s name ("" when none)
    std::vector<int> parts;               // events[i]'s store::kPart* (comm, other device work)
    std::vector<std::pair<profiler::Lane, std::string>> lane_names;  // stored lane names
    std::vector<profiler::KernelRow> kernels;  // per kernel name, by total time
    std::vector<profiler::CopyRow> copies;     // per direction and host memory, by total time
    int64_t kernel_total_ns = 0;
    std::string scope;        // what the events cover ("steps 1–10 of 40 kept at import", ...)
    std::string tables_note;  // why the tables are empty, when they are
    std::vector<std::string> notes;
};

// Throws store::StoreError when there is no such session.
SessionDetail session_detail(store::SessionStore& st, int64_t id);

// The name a lane is shown under: its stored name, else the profiler's (lane_name).
std::string detail_lane_name(const SessionDetail& d, profiler::Lane lane);

}  // namespace batchscope::analysis
