// Image files of an image folder (JPEG, PNG): the header probe and the decoders never throw
// and return what is wrong; an accepted image has the size its header gave.
#include <cstdint>
#include <span>
#include <string>

#include "batchscope/engine/data/image_codec.h"

using namespace batchscope::engine::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> bytes(data, size);
    ImageShape probed{};
    const bool probe_ok = probe_image(bytes, probed).empty();
    DecodeLimits lim;
    lim.max_pixels = 4'000'000;  // keeps each input fast; the limit itself is part of what runs
    for (int channels : {1, 3}) {
        Image img;
        if (!decode_image(bytes, channels, lim, img).empty()) continue;
        if (img.shape.channels != channels || img.shape.pixels() <= 0) __builtin_trap();
        if (probe_ok && (img.shape.width != probed.width || img.shape.height != probed.height)) __builtin_trap();
    }
    return 0;
}
