#pragma once
// Per-sample transforms between decode and collate, each switchable and seeded by the sample's
// position in the epoch's order (the same sample at the same position gets the same crop and
// flip whatever worker builds it): random resized crop (torchvision's algorithm, bilinear),
// horizontal flip, and at collate time scaling to [0, 1] with optional per-channel
// normalisation. An image of another size than the output is resized (bilinear) even when
// cropping is off.
#include <array>
#include <cstdint>
#include <vector>

#include "batchscope/engine/data/image.h"

namespace batchscope::engine::data {

struct AugmentOptions {
    bool random_resized_crop = false;
    float crop_scale_min = 0.08f, crop_scale_max = 1.0f;     // of the image's area
    float crop_ratio_min = 3.0f / 4.0f, crop_ratio_max = 4.0f / 3.0f;
    bool horizontal_flip = false;  // each sample flipped with probability 1/2
    bool normalize = false;        // (x / 255 - mean[c]) / std[c]; else x / 255
    std::array<float, 3> mean{0.5f, 0.5f, 0.5f};
    std::array<float, 3> stddev{0.5f, 0.5f, 0.5f};
    uint64_t seed = 0;
};

// A small seeded generator (SplitMix64): one per sample, from (seed, key).
class SampleRng {
public:
    SampleRng(uint64_t seed, uint64_t key) noexcept : s_(seed ^ (key * 0x9E3779B97F4A7C15ull)) {}
    uint64_t next() noexcept;
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    int below(int n) noexcept { return static_cast<int>(uniform() * n); }                // [0, n)

private:
    uint64_t s_;
};

struct CropBox {
    int x = 0, y = 0, width = 0, height = 0;
    friend bool operator==(const CropBox&, const CropBox&) = default;
};

// torchvision's RandomResizedCrop.get_params: up to 10 draws of area and aspect ratio, then a
// centre crop at the nearest allowed ratio.
CropBox random_resized_crop_box(int width, int height, const AugmentOptions& o, SampleRng& rng);

// Bilinear resize of `box` of `src` into `dst` (dst.shape set by the caller; same channels),
// mirrored horizontally when `flip`. `cols` is scratch reused between calls.
void resize_bilinear(const Image& src, CropBox box, Image& dst, bool flip, std::vector<int32_t>& cols);

// One worker's transform state. apply() returns `in` itself when nothing is to be done.
class Augmenter {
public:
    const Image& apply(const Image& in, ImageShape out_shape, const AugmentOptions& o, uint64_t key);

private:
    Image out_;
    std::vector<int32_t> cols_;
};

// u8 HWC to float CHW (PyTorch's layout), scaled and normalised as `o` says.
class Collator {
public:
    Collator(const AugmentOptions& o, int channels) noexcept;
    void operator()(const Image& img, float* dst) const noexcept { (*this)(img.data(), img.shape, dst); }
    void operator()(const uint8_t* hwc, ImageShape shape, float* dst) const noexcept;
    // Each channel's value = byte * scale + bias (rounded after each): what a device collate applies.
    const std::array<float, 3>& scale() const noexcept { return scale_; }
    const std::array<float, 3>& bias() const noexcept { return bias_; }

private:
    std::array<float, 3> scale_{}, bias_{};
};

}  // namespace batchscope::engine::data
