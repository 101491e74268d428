#pragma once
// Text and JSON renderings of saved sessions for batchscope-cli (CSV: analysis/csv_export.h).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "batchscope/store/compare.h"
#include "batchscope/store/records.h"

namespace batchscope::store {
class SessionStore;
}

namespace batchscope::cli {

void print_session_list(const std::vector<store::SessionInfo>& list, bool json);
void print_session(store::SessionStore& s, int64_t id, bool json);
void print_comparison(const store::Comparison& c, bool json);
nlohmann::json session_json(store::SessionStore& s, int64_t id);
// The kernel table and/or the copy table of a saved session, from its stored events (the first
// `top` kernels; 0: all). cli_session_detail.cpp.
void print_session_tables(store::SessionStore& s, int64_t id, bool kernels, bool copies, bool json, int top);

}  // namespace batchscope::cli
