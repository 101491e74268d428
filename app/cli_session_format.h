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

}  // namespace batchscope::cli
