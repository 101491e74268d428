#pragma once
// Small helpers for the data-pipeline tests: synthetic images, files, a source that fails on
// chosen samples.
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "batchscope/engine/data/image.h"
#include "batchscope/engine/data/sample_source.h"

namespace bs_test {

// A smooth pattern (so that JPEG round trips are close): value depends on x, y and channel, 0
// only at the top-left pixel's first channel (seed 0), never above 255 (seed <= 5).
inline batchscope::engine::data::Image pattern_image(int h, int w, int c, int seed = 0) {
    batchscope::engine::data::Image img;
    img.reshape({h, w, c});
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k)
                img.pixels[static_cast<size_t>((y * w + x) * c + k)] =
                    static_cast<uint8_t>(x * 150 / std::max(1, w - 1) + y * 60 / std::max(1, h) + k * 20 + seed);
    return img;
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline int max_abs_diff(const batchscope::engine::data::Image& a, const batchscope::engine::data::Image& b) {
    int m = 0;
    for (int64_t i = 0; i < a.shape.bytes(); ++i)
        m = std::max(m, std::abs(int{a.pixels[static_cast<size_t>(i)]} - int{b.pixels[static_cast<size_t>(i)]}));
    return m;
}

// n grey 4 x 4 samples; sample i holds i in its first pixels, label i % 10; the samples in `bad`
// throw SampleError("sample-<i>.png", "corrupt") from decode().
class FlakySource final : public batchscope::engine::data::SampleSource {
public:
    FlakySource(int64_t n, std::set<int64_t> bad) : n_(n), bad_(std::move(bad)) {}
    std::string describe() const override { return "flaky"; }
    int64_t count() const noexcept override { return n_; }
    batchscope::engine::data::ImageShape shape() const noexcept override { return {4, 4, 1}; }
    int classes() const noexcept override { return 10; }
    int label(int64_t i) const noexcept override { return static_cast<int>(i % 10); }
    void read(int64_t i, batchscope::engine::data::SampleBuffers& b) const override {
        b.image.reshape(shape());
        std::fill_n(b.image.data(), 16, uint8_t{0});
        b.image.data()[0] = static_cast<uint8_t>(i & 0xff);  // data(): the batch row itself for 8-bit batches
        b.image.data()[1] = static_cast<uint8_t>(i >> 8);
    }
    void decode(int64_t i, batchscope::engine::data::SampleBuffers&) const override {
        if (bad_.count(i)) throw batchscope::engine::data::SampleError("sample-" + std::to_string(i) + ".png", "corrupt");
    }

private:
    int64_t n_;
    std::set<int64_t> bad_;
};

}  // namespace bs_test
