#pragma once
// Internal: what the Model adapters over an engine::Mlp share (the CPU MlpModel and the GPU
// model's host mirror): its description, layer list and named parameter tensors.
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/model/model.h"

namespace batchscope::engine::model {

std::string mlp_describe(const Mlp& m, bool logreg);  // "MLP 784-256-128-10 (ReLU)"
std::string mlp_layers(const Mlp& m);                 // one line per layer
std::vector<ParamTensor> mlp_parameters(const Mlp& m);  // "0.weight", "0.bias", "2.weight", ...
// Replaces tensor i; throws std::invalid_argument when there is none or its size differs.
void mlp_set_parameter(Mlp& m, size_t i, std::span<const float> v);

}  // namespace batchscope::engine::model
