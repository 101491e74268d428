#pragma once
// JPEG (libjpeg-turbo) and PNG (libpng) decoding into 8-bit grey or RGB, and encoding for the
// image-folder writer. Decoders never throw: they return an empty string on success, else what
// is wrong (the caller adds the file name). An image whose header claims more than
// DecodeLimits::max_pixels is refused before anything is allocated for its pixels.
//
// Conversions: grey <-> RGB either way; CMYK / YCCK JPEG converted to RGB (Adobe inverted
// CMYK as Photoshop writes it); progressive and arithmetic-coded JPEG decoded; a JPEG with
// corrupt or missing data (which libjpeg would fill with grey and only warn about) is refused.
// PNG: palette and low bit depths expanded, 16-bit reduced to 8-bit, alpha composited onto
// black.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/data/image.h"

namespace batchscope::engine::data {

struct DecodeLimits {
    int64_t max_pixels = 64'000'000;           // width * height; bigger is a decompression bomb
    uint64_t max_file_bytes = 256ull << 20;   // larger files are not read at all
    int max_jpeg_scans = 1000;                 // progressive JPEG scan bomb
};

enum class ImageFormat : uint8_t { Unknown = 0, Jpeg, Png };
ImageFormat sniff_format(std::span<const uint8_t> data) noexcept;  // from the magic bytes

// The header's width, height and colour (1 for grey, 3 for colour, alpha not counted).
std::string probe_image(std::span<const uint8_t> data, ImageShape& out);

// Decodes into `out` as `channels` (1 or 3) channels.
std::string decode_jpeg(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out);
std::string decode_png(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out);
std::string decode_image(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out);

struct JpegOptions {
    int quality = 90;          // 1..100
    bool progressive = false;
};
// `img` has 1 (grey), 3 (RGB) or 4 (CMYK, written with an Adobe marker) channels. Replaces
// `out`'s contents. Throws std::runtime_error on failure.
void encode_jpeg(const Image& img, const JpegOptions& o, std::vector<uint8_t>& out);

struct PngOptions {
    bool alpha = false;     // add an alpha channel (opaque where the pixel is non-zero)
    bool sixteen_bit = false;
};
// `img` has 1 or 3 channels. Replaces `out`'s contents. Throws std::runtime_error on failure.
void encode_png(const Image& img, const PngOptions& o, std::vector<uint8_t>& out);

}  // namespace batchscope::engine::data
