#include "batchscope/engine/data/augment.h"

#include <algorithm>
#include <cmath>

namespace batchscope::engine::data {
namespace {
constexpr int kFrac = 11;  // fixed-point bits of the bilinear weights
constexpr int32_t kOne = 1 << kFrac;
}  // namespace

uint64_t SampleRng::next() noexcept {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

CropBox random_resized_crop_box(int width, int height, const AugmentOptions& o, SampleRng& rng) {
    const double area = static_cast<double>(width) * height;
    const double lr0 = std::log(o.crop_ratio_min), lr1 = std::log(o.crop_ratio_max);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target = area * (o.crop_scale_min + (o.crop_scale_max - o.crop_scale_min) * rng.uniform());
        const double ratio = std::exp(lr0 + (lr1 - lr0) * rng.uniform());
        const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
        const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
        if (w > 0 && w <= width && h > 0 && h <= height) {
            const int y = rng.below(height - h + 1);
            const int x = rng.below(width - w + 1);
            return {x, y, w, h};
        }
    }
    const double in_ratio = static_cast<double>(width) / height;
    int w = width, h = height;
    if (in_ratio < o.crop_ratio_min) h = std::max(1, static_cast<int>(std::lround(static_cast<double>(w) / o.crop_ratio_min)));
    else if (in_ratio > o.crop_ratio_max) w = std::max(1, static_cast<int>(std::lround(static_cast<double>(h) * o.crop_ratio_max)));
    h = std::min(h, height);
    w = std::min(w, width);
    return {(width - w) / 2, (height - h) / 2, w, h};
}

void resize_bilinear(const Image& src, CropBox box, Image& dst, bool flip, std::vector<int32_t>& cols) {
    const int C = src.shape.channels, W = dst.shape.width, H = dst.shape.height;
    const int sw = src.shape.width;
    // Per output column: left source column and its weight (align_corners = false).
    cols.resize(static_cast<size_t>(2 * W));
    const double fx = static_cast<double>(box.width) / W, fy = static_cast<double>(box.height) / H;
    for (int ox = 0; ox < W; ++ox) {
        const double sx = std::clamp(box.x + (ox + 0.5) * fx - 0.5, static_cast<double>(box.x),
                                     static_cast<double>(box.x + box.width - 1));
        const int x0 = static_cast<int>(sx);
        const int slot = flip ? W - 1 - ox : ox;
        cols[static_cast<size_t>(2 * slot)] = x0;
        cols[static_cast<size_t>(2 * slot + 1)] = static_cast<int32_t>(std::lround((sx - x0) * kOne));
    }
    const int xmax = box.x + box.width - 1;
    for (int oy = 0; oy < H; ++oy) {
        const double sy = std::clamp(box.y + (oy + 0.5) * fy - 0.5, static_cast<double>(box.y),
                                     static_cast<double>(box.y + box.height - 1));
        const int y0 = static_cast<int>(sy);
        const int y1 = std::min(y0 + 1, box.y + box.height - 1);
        const auto wy = static_cast<int32_t>(std::lround((sy - y0) * kOne));
        const uint8_t* r0 = src.data() + static_cast<size_t>(y0) * static_cast<size_t>(sw * C);
        const uint8_t* r1 = src.data() + static_cast<size_t>(y1) * static_cast<size_t>(sw * C);
        uint8_t* d = dst.data() + static_cast<size_t>(oy) * static_cast<size_t>(W * C);
        for (int ox = 0; ox < W; ++ox) {
            const int x0 = cols[static_cast<size_t>(2 * ox)];
            const int32_t wx = cols[static_cast<size_t>(2 * ox + 1)];
            const int x1 = std::min(x0 + 1, xmax);
            for (int c = 0; c < C; ++c) {
                const int32_t top = r0[x0 * C + c] * (kOne - wx) + r0[x1 * C + c] * wx;
                const int32_t bot = r1[x0 * C + c] * (kOne - wx) + r1[x1 * C + c] * wx;
                const int64_t v = (int64_t{top} * (kOne - wy) + int64_t{bot} * wy + (int64_t{1} << (2 * kFrac - 1))) >>
                                  (2 * kFrac);
                d[ox * C + c] = static_cast<uint8_t>(std::min<int64_t>(v, 255));
            }
        }
    }
}

const Image& Augmenter::apply(const Image& in, ImageShape out_shape, const AugmentOptions& o, uint64_t key) {
    const bool same_size = in.shape.height == out_shape.height && in.shape.width == out_shape.width;
    if (!o.random_resized_crop && !o.horizontal_flip && same_size) return in;
    SampleRng rng(o.seed, key);
    CropBox box{0, 0, in.shape.width, in.shape.height};
    if (o.random_resized_crop) box = random_resized_crop_box(in.shape.width, in.shape.height, o, rng);
    const bool flip = o.horizontal_flip && (rng.next() & 1u);
    out_.reshape({out_shape.height, out_shape.width, in.shape.channels});
    if (!o.random_resized_crop && same_size) {
        if (!flip) return in;
        const int W = in.shape.width, C = in.shape.channels;
        for (int y = 0; y < in.shape.height; ++y) {
            const uint8_t* s = in.data() + static_cast<size_t>(y) * static_cast<size_t>(W * C);
            uint8_t* d = out_.data() + static_cast<size_t>(y) * static_cast<size_t>(W * C);
            for (int x = 0; x < W; ++x)
                for (int c = 0; c < C; ++c) d[(W - 1 - x) * C + c] = s[x * C + c];
        }
        return out_;
    }
    resize_bilinear(in, box, out_, flip, cols_);
    return out_;
}

Collator::Collator(const AugmentOptions& o, int channels) noexcept {
    for (size_t c = 0; c < 3; ++c) {
        const size_t k = channels == 1 ? 0 : c;
        if (o.normalize && o.stddev[k] > 0) {
            scale_[c] = 1.0f / (255.0f * o.stddev[k]);
            bias_[c] = -o.mean[k] / o.stddev[k];
        } else {
            scale_[c] = 1.0f / 255.0f;
            bias_[c] = 0.0f;
        }
    }
}

namespace {

// The collate loops, compiled twice (AVX2 and baseline x86-64) and picked at load time.
__attribute__((target_clones("avx2", "default"))) void collate_grey(const uint8_t* s, size_t n, float a, float b,
                                                                    float* dst) noexcept {
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]) * a + b;
}

__attribute__((target_clones("avx2", "default"))) void collate_rgb(const uint8_t* s, size_t n, const float* a,
                                                                   const float* b, float* dst) noexcept {
    float* p0 = dst;
    float* p1 = dst + n;
    float* p2 = dst + 2 * n;
    const float a0 = a[0], a1 = a[1], a2 = a[2], b0 = b[0], b1 = b[1], b2 = b[2];
    for (size_t i = 0; i < n; ++i) {
        p0[i] = static_cast<float>(s[3 * i]) * a0 + b0;
        p1[i] = static_cast<float>(s[3 * i + 1]) * a1 + b1;
        p2[i] = static_cast<float>(s[3 * i + 2]) * a2 + b2;
    }
}

}  // namespace

void Collator::operator()(const uint8_t* hwc, ImageShape shape, float* dst) const noexcept {
    const auto n = static_cast<size_t>(shape.pixels());
    if (shape.channels == 1) collate_grey(hwc, n, scale_[0], bias_[0], dst);
    else collate_rgb(hwc, n, scale_.data(), bias_.data(), dst);
}

}  // namespace batchscope::engine::data
