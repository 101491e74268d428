#pragma once
// A saved session written as CSV (profiler/csv_export.h: one row per iteration, or per request
// for inference sessions) or as a Chrome trace (profiler/chrome_trace.h) rebuilt from its
// stored iterations. No Qt in here; the dashboard runs these in SessionJobs.
#include <cstdint>
#include <string>

#include "batchscope/store/session_store.h"

namespace batchscope::ui {

// Writes `file` (replacing it); throws store::StoreError naming the file or the session.
void export_session_csv(store::SessionStore& st, int64_t id, const std::string& file);

// Training sessions only: the controller lane with each iteration and its data wait → h2d →
// compute → d2h phases laid end to end (the CPU backend's fixed order; stored rows do not keep
// loader lanes), and the knob changes as instants. Throws for an inference session.
void export_session_trace(store::SessionStore& st, int64_t id, const std::string& file);

}  // namespace batchscope::ui
