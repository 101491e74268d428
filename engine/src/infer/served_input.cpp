#include "served_input.h"

#include <algorithm>
#include <stdexcept>

namespace batchscope::engine::infer {

void check_served_input(const model::Model& model, const CheckpointInfo& info, const ImageDataset& test) {
    if (model.input_shape().size() != test.features() || info.channels != 1 || info.height != test.rows ||
        info.width != test.cols)
        throw std::invalid_argument(std::string("the model expects ") + std::to_string(info.height) + "x" +
                                    std::to_string(info.width) + "x" + std::to_string(info.channels) + " inputs; " +
                                    test.name + " has " + std::to_string(test.rows) + "x" + std::to_string(test.cols) +
                                    "x1");
    if (model.classes() < test.classes)
        throw std::invalid_argument(std::string("the model has ") + std::to_string(model.classes()) + " classes; " +
                                    test.name + " has " + std::to_string(test.classes));
    if (test.count == 0) throw std::invalid_argument("no test samples to serve");
}

std::array<float, 256> pixel_scale(const CheckpointInfo& info) {
    std::array<float, 256> lut{};
    for (int p = 0; p < 256; ++p)
        lut[static_cast<size_t>(p)] = (static_cast<float>(p) / 255.0f - info.mean[0]) / info.stddev[0];
    return lut;
}

int8_t check_answer(const float* logits, size_t classes, uint8_t label) {
    const auto arg = static_cast<size_t>(std::max_element(logits, logits + classes) - logits);
    return arg == label ? 1 : 0;
}

void scale_samples(const std::array<float, 256>& lut, const ImageDataset& test, std::span<const int64_t> samples,
                   float* dst) {
    const size_t f = static_cast<size_t>(test.features());
    for (size_t i = 0; i < samples.size(); ++i) {
        const uint8_t* px = test.image(samples[i]);
        float* row = dst + i * f;
        for (size_t k = 0; k < f; ++k) row[k] = lut[px[k]];
    }
}

}  // namespace batchscope::engine::infer
