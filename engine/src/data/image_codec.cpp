#include "batchscope/engine/data/image_codec.h"

#include "codec_internal.h"

namespace batchscope::engine::data {

ImageFormat sniff_format(std::span<const uint8_t> d) noexcept {
    if (d.size() >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ImageFormat::Jpeg;
    static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (d.size() >= 8) {
        bool png = true;
        for (size_t i = 0; i < 8; ++i) png = png && d[i] == kPng[i];
        if (png) return ImageFormat::Png;
    }
    return ImageFormat::Unknown;
}

namespace {
std::string unknown_format(std::span<const uint8_t> d) {
    return d.empty() ? "empty file" : "not a JPEG or PNG file (unrecognised first bytes)";
}
}  // namespace

std::string probe_image(std::span<const uint8_t> data, ImageShape& out) {
    switch (sniff_format(data)) {
        case ImageFormat::Jpeg: return probe_jpeg(data, out);
        case ImageFormat::Png: return probe_png(data, out);
        case ImageFormat::Unknown: break;
    }
    return unknown_format(data);
}

std::string decode_image(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out) {
    switch (sniff_format(data)) {
        case ImageFormat::Jpeg: return decode_jpeg(data, channels, lim, out);
        case ImageFormat::Png: return decode_png(data, channels, lim, out);
        case ImageFormat::Unknown: break;
    }
    return unknown_format(data);
}

}  // namespace batchscope::engine::data
