// PNG through libpng's simplified API (png_image): it does the conversions (palette, bit
// depth, grey/RGB, alpha) and reports errors as messages instead of longjmp.
#include <png.h>
#include <zlib.h>

#include <cstdio>
#include <stdexcept>

#include "batchscope/engine/data/image_codec.h"
#include "codec_internal.h"

namespace batchscope::engine::data {
namespace {

struct PngImage {
    png_image img{};
    PngImage() { img.version = PNG_IMAGE_VERSION; }
    ~PngImage() { png_image_free(&img); }
    PngImage(const PngImage&) = delete;
    PngImage& operator=(const PngImage&) = delete;
};

std::string message(const png_image& img) { return std::string("invalid PNG (") + img.message + ")"; }

}  // namespace

std::string probe_png(std::span<const uint8_t> data, ImageShape& shape) {
    PngImage p;
    if (!png_image_begin_read_from_memory(&p.img, data.data(), data.size())) return message(p.img);
    shape = {static_cast<int>(p.img.height), static_cast<int>(p.img.width),
             (p.img.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1};
    return {};
}

std::string decode_png(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out) {
    PngImage p;
    if (!png_image_begin_read_from_memory(&p.img, data.data(), data.size())) return message(p.img);
    const int64_t px = int64_t{p.img.width} * p.img.height;
    if (px > lim.max_pixels) {
        char text[200];
        std::snprintf(text, sizeof text,
                      "image of %u x %u pixels exceeds the limit of %lld pixels (decompression bomb?); refused "
                      "before decoding",
                      p.img.width, p.img.height, static_cast<long long>(lim.max_pixels));
        return text;
    }
    // 16-bit samples without gAMA/sRGB are sRGB-encoded (as PIL reads them), not linear.
    p.img.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    p.img.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    out.reshape({static_cast<int>(p.img.height), static_cast<int>(p.img.width), channels});
    const png_color black{0, 0, 0};
    if (!png_image_finish_read(&p.img, &black, out.data(), 0, nullptr)) return message(p.img);
    return {};
}

void encode_png(const Image& img, const PngOptions& o, std::vector<uint8_t>& out) {
    // Written by hand (signature, IHDR, one IDAT of unfiltered rows, IEND) so that 16-bit files
    // carry no gAMA chunk: plain sRGB samples, as most tools write them.
    const int c = img.shape.channels;
    if (c != 1 && c != 3) throw std::runtime_error("PNG encoding needs 1 or 3 channels");
    const int oc = c + (o.alpha ? 1 : 0);
    const size_t bytes = o.sixteen_bit ? 2 : 1;
    const auto w = static_cast<size_t>(img.shape.width), h = static_cast<size_t>(img.shape.height);
    const size_t row = 1 + w * static_cast<size_t>(oc) * bytes;
    std::vector<uint8_t> raw(row * h);
    for (size_t y = 0; y < h; ++y) {
        uint8_t* d = raw.data() + y * row;
        *d++ = 0;  // filter: none
        for (size_t x = 0; x < w; ++x) {
            const uint8_t* px = img.data() + (y * w + x) * static_cast<size_t>(c);
            for (int k = 0; k < oc; ++k) {
                const uint8_t v = k < c ? px[k] : (px[0] == 0 ? 0 : 255);  // alpha: transparent where black
                *d++ = v;
                if (bytes == 2) *d++ = v;  // big-endian v * 257: 8-bit values stay exact
            }
        }
    }
    uLongf zsize = compressBound(static_cast<uLong>(raw.size()));
    std::vector<uint8_t> z(zsize);
    if (compress2(z.data(), &zsize, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK)
        throw std::runtime_error("PNG encoding failed: zlib error");
    z.resize(zsize);
    out.assign({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    const uint8_t type = static_cast<uint8_t>((c == 3 ? 2 : 0) | (o.alpha ? 4 : 0));
    const uint8_t ihdr[13] = {static_cast<uint8_t>(w >> 24), static_cast<uint8_t>(w >> 16), static_cast<uint8_t>(w >> 8),
                              static_cast<uint8_t>(w),       static_cast<uint8_t>(h >> 24), static_cast<uint8_t>(h >> 16),
                              static_cast<uint8_t>(h >> 8),  static_cast<uint8_t>(h),       static_cast<uint8_t>(bytes * 8),
                              type, 0, 0, 0};
    append_png_chunk(out, "IHDR", ihdr, sizeof ihdr);
    append_png_chunk(out, "IDAT", z.data(), z.size());
    append_png_chunk(out, "IEND", nullptr, 0);
}

void append_png_chunk(std::vector<uint8_t>& out, const char* type, const uint8_t* data, size_t n) {
    auto be32 = [&](uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
    };
    be32(static_cast<uint32_t>(n));
    const size_t at = out.size();
    out.insert(out.end(), type, type + 4);
    if (n) out.insert(out.end(), data, data + n);
    be32(static_cast<uint32_t>(crc32(0, out.data() + at, static_cast<uInt>(n + 4))));
}

}  // namespace batchscope::engine::data
