#pragma once
// A saved session written to a file as CSV or as a Chrome/Kineto trace, by the Qt-free analysis
// layer that batchscope-cli uses too (analysis/csv_export.h, analysis/session_trace.h): the same
// session gives the same bytes from either front end. The dashboard runs these in SessionJobs.
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/store/session_store.h"

namespace batchscope::ui {

// One row per iteration (training) or per request (inference). Writes `file` (replacing it);
// throws store::StoreError naming the file or the session.
void export_session_csv(store::SessionStore& st, int64_t id, const std::string& file);

// From the session's stored raw events, else rebuilt from its iteration or request rows; returns
// the notes that say what was rebuilt or left out. Throws store::StoreError as above.
std::vector<std::string> export_session_trace(store::SessionStore& st, int64_t id, const std::string& file);

}  // namespace batchscope::ui
