#pragma once
// The ranks of one imported job in a comparison: text and JSON.
#include <nlohmann/json.hpp>

#include "batchscope/store/compare.h"

namespace batchscope::cli {

void print_rank_comparison(const store::RankComparison& r);
nlohmann::json rank_comparison_json(const store::RankComparison& r);

}  // namespace batchscope::cli
