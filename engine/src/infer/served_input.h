#pragma once
// Internal: what the CPU and GPU model services share: the check that a model fits the test set
// it serves, and how 8-bit pixels become the model's inputs (as training scaled them).
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/image_dataset.h"

namespace batchscope::engine::infer {

// Throws std::invalid_argument when the model's input or classes do not fit `test`, or `test`
// has no samples.
void check_served_input(const model::Model& model, const CheckpointInfo& info, const ImageDataset& test);

// The input feature of each 8-bit pixel value: (p / 255 - mean) / std of the (single) channel.
std::array<float, 256> pixel_scale(const CheckpointInfo& info);

// Request i's input: the 8-bit pixels of test sample samples[i] through `lut` (pixel_scale) into
// dst + i * features.
void scale_samples(const std::array<float, 256>& lut, const ImageDataset& test, std::span<const int64_t> samples,
                   float* dst);

// Request i's answer: the arg-max of its row of logits, checked against the label (1 or 0).
int8_t check_answer(const float* logits, size_t classes, uint8_t label);

}  // namespace batchscope::engine::infer
