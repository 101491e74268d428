#pragma once
// How `batchscope-cli infer` (and `presets run` for inference lessons) print the serving verdict
// (engine/infer/serving_verdict.h): text lines and JSON.
#include <nlohmann/json.hpp>
#include <string>

#include "batchscope/engine/infer/serving_verdict.h"

namespace batchscope::cli {

// "verdict (requests 1,000-9,999): ...", then each advice with its expectation and reason, or the note.
void print_serving_verdict(const engine::infer::ServingVerdict& v, const std::string& indent = "");
nlohmann::json serving_verdict_json(const engine::infer::ServingVerdict& v);
nlohmann::json serving_expectation_json(const engine::infer::ServingExpectation& e);

}  // namespace batchscope::cli
