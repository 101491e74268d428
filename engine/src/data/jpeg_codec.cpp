// JPEG through libjpeg(-turbo)'s API. Its errors arrive through setjmp/longjmp: the functions
// that call setjmp hold only plain C objects, so a longjmp skips no C++ destructor.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <jerror.h>
#include <jpeglib.h>

#include "batchscope/engine/data/image_codec.h"
#include "codec_internal.h"

namespace batchscope::engine::data {
namespace {

struct ErrorMgr {
    jpeg_error_mgr pub;
    std::jmp_buf jmp;
    char msg[JMSG_LENGTH_MAX + 96];
    int corrupt;  // warnings that mean the decoded pixels are not the image's
};

struct Progress {
    jpeg_progress_mgr pub;
    ErrorMgr* err;
    int max_scans;
};

[[noreturn]] void on_error(j_common_ptr c) {
    auto* e = reinterpret_cast<ErrorMgr*>(c->err);
    (*c->err->format_message)(c, e->msg);
    std::longjmp(e->jmp, 1);
}

void on_message(j_common_ptr c, int level) {
    if (level >= 0) return;  // trace output
    auto* e = reinterpret_cast<ErrorMgr*>(c->err);
    const int code = c->err->msg_code;
    if (code == JWRN_EXTRANEOUS_DATA || code == JWRN_ADOBE_XFORM || code == JWRN_JFIF_MAJOR) return;  // harmless
    if (e->corrupt++ == 0) {
        char text[JMSG_LENGTH_MAX];
        (*c->err->format_message)(c, text);
        std::snprintf(e->msg, sizeof e->msg, "corrupt JPEG data (%s)", text);
    }
}

void on_progress(j_common_ptr c) {
    auto* p = reinterpret_cast<Progress*>(c->progress);
    if (!c->is_decompressor) return;
    const auto* d = reinterpret_cast<j_decompress_ptr>(c);
    if (d->input_scan_number > p->max_scans) {
        std::snprintf(p->err->msg, sizeof p->err->msg, "progressive JPEG with more than %d scans refused",
                      p->max_scans);
        std::longjmp(p->err->jmp, 1);
    }
}

void init_errors(jpeg_error_mgr& pub, ErrorMgr& err) {
    jpeg_std_error(&pub);
    pub.error_exit = on_error;
    pub.emit_message = on_message;
    err.msg[0] = '\0';
    err.corrupt = 0;
}

// CMYK (4 channels, Adobe-inverted when `inverted`) to grey or RGB, in place.
void cmyk_to(Image& img, int channels, bool inverted) {
    const int64_t n = img.shape.pixels();
    uint8_t* p = img.data();
    for (int64_t i = 0; i < n; ++i) {
        int c = p[4 * i], m = p[4 * i + 1], y = p[4 * i + 2], k = p[4 * i + 3];
        if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
        const int r = c * k / 255, g = m * k / 255, b = y * k / 255;
        if (channels == 3) {
            p[3 * i] = static_cast<uint8_t>(r), p[3 * i + 1] = static_cast<uint8_t>(g);
            p[3 * i + 2] = static_cast<uint8_t>(b);
        } else {
            p[i] = static_cast<uint8_t>((r * 77 + g * 150 + b * 29) >> 8);
        }
    }
    img.shape.channels = channels;
}

// 0 on success; else err.msg says why. `ci` is created here and destroyed by the caller.
int decode_impl(jpeg_decompress_struct& ci, ErrorMgr& err, Progress& prog, std::span<const uint8_t> data,
                int channels, const DecodeLimits& lim, Image& out, bool header_only) {
    if (setjmp(err.jmp)) return 1;
    jpeg_create_decompress(&ci);
    ci.progress = &prog.pub;
    jpeg_mem_src(&ci, data.data(), static_cast<unsigned long>(data.size()));
    jpeg_read_header(&ci, TRUE);
    const bool cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
    if (header_only) {
        out.shape = {static_cast<int>(ci.image_height), static_cast<int>(ci.image_width),
                     ci.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3};
        return 0;
    }
    const int64_t px = int64_t{ci.image_width} * ci.image_height;
    if (px > lim.max_pixels) {
        std::snprintf(err.msg, sizeof err.msg,
                      "image of %u x %u pixels exceeds the limit of %lld pixels (decompression bomb?); refused "
                      "before decoding",
                      ci.image_width, ci.image_height, static_cast<long long>(lim.max_pixels));
        return 1;
    }
    ci.out_color_space = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    ci.mem->max_memory_to_use = 1024L << 20;
    jpeg_start_decompress(&ci);
    const int comps = ci.output_components;
    const auto w = static_cast<int>(ci.output_width), h = static_cast<int>(ci.output_height);
    out.reshape({h, w, comps});
    const size_t stride = static_cast<size_t>(w) * static_cast<size_t>(comps);
    JSAMPROW rows[16];
    while (ci.output_scanline < ci.output_height) {
        const JDIMENSION left = ci.output_height - ci.output_scanline;
        const JDIMENSION n = left < 16 ? left : 16;
        for (JDIMENSION r = 0; r < n; ++r) rows[r] = out.data() + (ci.output_scanline + r) * stride;
        jpeg_read_scanlines(&ci, rows, n);
    }
    jpeg_finish_decompress(&ci);
    if (err.corrupt) return 1;
    if (cmyk) cmyk_to(out, channels, ci.saw_Adobe_marker);
    return 0;
}

std::string run_decode(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out,
                       bool header_only) {
    jpeg_decompress_struct ci{};
    ErrorMgr err{};
    ci.err = &err.pub;
    init_errors(err.pub, err);
    Progress prog{};
    prog.pub.progress_monitor = on_progress;
    prog.err = &err;
    prog.max_scans = lim.max_jpeg_scans;
    int rc = 1;
    try {
        rc = decode_impl(ci, err, prog, data, channels, lim, out, header_only);
    } catch (...) {  // out of memory growing `out`
        jpeg_destroy_decompress(&ci);
        throw;
    }
    jpeg_destroy_decompress(&ci);
    return rc == 0 ? std::string() : std::string(err.msg);
}

int encode_impl(jpeg_compress_struct& ci, ErrorMgr& err, const Image& img, const JpegOptions& o, unsigned char** buf,
                unsigned long* size) {
    if (setjmp(err.jmp)) return 1;
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, buf, size);
    ci.image_width = static_cast<JDIMENSION>(img.shape.width);
    ci.image_height = static_cast<JDIMENSION>(img.shape.height);
    ci.input_components = img.shape.channels;
    ci.in_color_space = img.shape.channels == 1 ? JCS_GRAYSCALE : img.shape.channels == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, o.quality, TRUE);
    if (o.progressive) jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    const size_t stride = static_cast<size_t>(img.shape.width) * static_cast<size_t>(img.shape.channels);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = const_cast<uint8_t*>(img.data()) + ci.next_scanline * stride;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    return 0;
}

}  // namespace

std::string decode_jpeg(std::span<const uint8_t> data, int channels, const DecodeLimits& lim, Image& out) {
    return run_decode(data, channels, lim, out, false);
}

std::string probe_jpeg(std::span<const uint8_t> data, ImageShape& shape) {
    Image tmp;
    std::string e = run_decode(data, 3, DecodeLimits{}, tmp, true);
    if (e.empty()) shape = tmp.shape;
    return e;
}

void encode_jpeg(const Image& img, const JpegOptions& o, std::vector<uint8_t>& out) {
    jpeg_compress_struct ci{};
    ErrorMgr err{};
    ci.err = &err.pub;
    init_errors(err.pub, err);
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    const int rc = encode_impl(ci, err, img, o, &buf, &size);
    jpeg_destroy_compress(&ci);
    if (rc == 0) out.assign(buf, buf + size);
    std::free(buf);
    if (rc != 0) throw std::runtime_error(std::string("JPEG encoding failed: ") + err.msg);
}

}  // namespace batchscope::engine::data
