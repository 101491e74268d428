#pragma once
// An 8-bit image in HWC order whose buffer is reused: reshaping to a size it has held before
// does not allocate.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "batchscope/engine/loader/host_memory.h"

namespace batchscope::engine::data {

struct ImageShape {
    int height = 0;
    int width = 0;
    int channels = 0;  // 1 (grey) or 3 (RGB)

    int64_t pixels() const noexcept { return int64_t{height} * width; }
    int64_t bytes() const noexcept { return pixels() * channels; }
    friend bool operator==(const ImageShape&, const ImageShape&) = default;
};

struct Image {
    ImageShape shape;
    // At least shape.bytes() unless external; capacity is kept. Not zeroed when it grows (every
    // decoder and transform writes each pixel), and placed like a batch's 8-bit rows (see
    // kPixelBufferOffset), so a decode costs the same here as straight into a batch.
    HostVector<uint8_t> pixels;

    // Optional caller memory to decode into (a batch slot): reshape() uses it while the shape
    // fits in `external_bytes`, else drops it and falls back to `pixels`.
    uint8_t* external = nullptr;
    size_t external_bytes = 0;

    void reshape(ImageShape s) {
        shape = s;
        const auto n = static_cast<size_t>(s.bytes());
        if (external && n <= external_bytes) return;
        external = nullptr;
        if (pixels.size() < n) pixels.resize(n);
    }
    uint8_t* data() noexcept { return external ? external : pixels.data(); }
    const uint8_t* data() const noexcept { return external ? external : pixels.data(); }
};

}  // namespace batchscope::engine::data
