#include <gtest/gtest.h>

#include <random>

#include "batchscope/engine/data/image_codec.h"
#include "data_fixtures.h"
#include <zlib.h>

using namespace batchscope::engine::data;

namespace {

std::vector<uint8_t> jpeg_of(const Image& img, int quality = 95, bool progressive = false) {
    std::vector<uint8_t> out;
    encode_jpeg(img, {quality, progressive}, out);
    return out;
}

std::vector<uint8_t> png_of(const Image& img, PngOptions o = {}) {
    std::vector<uint8_t> out;
    encode_png(img, o, out);
    return out;
}

// Offset of the JPEG SOF0/SOF2 segment's height field.
size_t sof_dims_at(const std::vector<uint8_t>& j) {
    for (size_t i = 2; i + 9 < j.size(); ++i)
        if (j[i] == 0xFF && (j[i + 1] == 0xC0 || j[i + 1] == 0xC2)) return i + 5;
    return 0;
}

void set_png_dims(std::vector<uint8_t>& p, uint32_t w, uint32_t h) {
    for (int k = 0; k < 4; ++k) {
        p[16 + static_cast<size_t>(k)] = static_cast<uint8_t>(w >> (24 - 8 * k));
        p[20 + static_cast<size_t>(k)] = static_cast<uint8_t>(h >> (24 - 8 * k));
    }
    const uLong crc = crc32(0, p.data() + 12, 17);  // IHDR type + data
    for (int k = 0; k < 4; ++k) p[29 + static_cast<size_t>(k)] = static_cast<uint8_t>(crc >> (24 - 8 * k));
}

}  // namespace

TEST(JpegDecode, RgbGreyAndProgressiveRoundTripClosely) {
    const Image rgb = bs_test::pattern_image(40, 56, 3), grey = bs_test::pattern_image(40, 56, 1);
    Image out;
    ASSERT_EQ(decode_jpeg(jpeg_of(rgb), 3, {}, out), "");
    EXPECT_EQ(out.shape, rgb.shape);
    EXPECT_LE(bs_test::max_abs_diff(out, rgb), 24);
    ASSERT_EQ(decode_jpeg(jpeg_of(rgb, 95, true), 3, {}, out), "");
    EXPECT_LE(bs_test::max_abs_diff(out, rgb), 24);
    ASSERT_EQ(decode_jpeg(jpeg_of(grey), 1, {}, out), "");
    EXPECT_EQ(out.shape, grey.shape);
    EXPECT_LE(bs_test::max_abs_diff(out, grey), 8);
}

TEST(JpegDecode, ConvertsBetweenGreyAndRgb) {
    const Image grey = bs_test::pattern_image(16, 16, 1);
    Image out;
    ASSERT_EQ(decode_jpeg(jpeg_of(grey), 3, {}, out), "");  // grey file, RGB wanted
    EXPECT_EQ(out.shape, (ImageShape{16, 16, 3}));
    for (int64_t p = 0; p < out.shape.pixels(); ++p)
        EXPECT_EQ(out.pixels[static_cast<size_t>(3 * p)], out.pixels[static_cast<size_t>(3 * p + 2)]);
    ASSERT_EQ(decode_jpeg(jpeg_of(bs_test::pattern_image(16, 16, 3)), 1, {}, out), "");  // colour file, grey wanted
    EXPECT_EQ(out.shape, (ImageShape{16, 16, 1}));
}

TEST(JpegDecode, CmykIsConvertedToRgb) {
    Image cmyk;
    cmyk.reshape({8, 8, 4});
    for (int64_t p = 0; p < 64; ++p) {  // Adobe-inverted CMYK of pure red: C=0 M=1 Y=1 K=0 stored inverted
        uint8_t* px = cmyk.data() + 4 * p;
        px[0] = 255, px[1] = 0, px[2] = 0, px[3] = 255;
    }
    Image out;
    ASSERT_EQ(decode_jpeg(jpeg_of(cmyk, 100), 3, {}, out), "");
    EXPECT_EQ(out.shape, (ImageShape{8, 8, 3}));
    EXPECT_GE(out.pixels[0], 240);
    EXPECT_LE(out.pixels[1], 15);
    EXPECT_LE(out.pixels[2], 15);
}

TEST(JpegDecode, CorruptTruncatedAndBombFilesAreRefusedClearly) {
    const auto good = jpeg_of(bs_test::pattern_image(64, 64, 3));
    Image out;
    auto cut = good;
    cut.resize(good.size() - 12);  // inside the entropy-coded data: libjpeg would only warn
    EXPECT_NE(decode_jpeg(cut, 3, {}, out).find("corrupt JPEG data"), std::string::npos) << decode_jpeg(cut, 3, {}, out);
    cut.resize(good.size() / 2);
    EXPECT_NE(decode_jpeg(cut, 3, {}, out), "");
    EXPECT_NE(decode_jpeg({good.data(), 20}, 3, {}, out), "");
    auto bomb = good;
    const size_t at = sof_dims_at(bomb);
    ASSERT_NE(at, 0u);
    bomb[at] = bomb[at + 1] = bomb[at + 2] = bomb[at + 3] = 0xEA;  // 60138 x 60138
    Image fresh;
    const std::string e = decode_jpeg(bomb, 3, {}, fresh);
    EXPECT_NE(e.find("exceeds the limit"), std::string::npos) << e;
    EXPECT_NE(e.find("60138 x 60138"), std::string::npos) << e;
    EXPECT_EQ(fresh.pixels.capacity(), 0u);  // nothing allocated for its pixels
    DecodeLimits small;
    small.max_pixels = 1000;
    EXPECT_NE(decode_jpeg(good, 3, small, out).find("exceeds the limit"), std::string::npos);
}

TEST(PngDecode, GreyRgbAlphaAnd16BitDecodeExactly) {
    const Image rgb = bs_test::pattern_image(9, 13, 3), grey = bs_test::pattern_image(9, 13, 1);
    Image out;
    ASSERT_EQ(decode_png(png_of(rgb), 3, {}, out), "");
    EXPECT_EQ(bs_test::max_abs_diff(out, rgb), 0);
    ASSERT_EQ(decode_png(png_of(grey), 1, {}, out), "");
    EXPECT_EQ(bs_test::max_abs_diff(out, grey), 0);
    ASSERT_EQ(decode_png(png_of(rgb, {false, true}), 3, {}, out), "");  // 16-bit, reduced to 8
    EXPECT_EQ(bs_test::max_abs_diff(out, rgb), 0);
    ASSERT_EQ(decode_png(png_of(grey, {false, true}), 1, {}, out), "");
    EXPECT_EQ(bs_test::max_abs_diff(out, grey), 0);
    // Alpha: transparent where the first channel is 0 (composited onto black), else opaque.
    Image black_where_transparent = rgb;
    for (int64_t p = 0; p < rgb.shape.pixels(); ++p)
        if (rgb.pixels[static_cast<size_t>(3 * p)] == 0)
            for (int c = 0; c < 3; ++c) black_where_transparent.pixels[static_cast<size_t>(3 * p + c)] = 0;
    ASSERT_NE(bs_test::max_abs_diff(black_where_transparent, rgb), 0);  // the pattern has a transparent pixel
    ASSERT_EQ(decode_png(png_of(rgb, {true, false}), 3, {}, out), "");
    EXPECT_EQ(bs_test::max_abs_diff(out, black_where_transparent), 0);
    ASSERT_EQ(decode_png(png_of(rgb, {true, true}), 3, {}, out), "");
    EXPECT_EQ(bs_test::max_abs_diff(out, black_where_transparent), 0);
    ASSERT_EQ(decode_png(png_of(grey), 3, {}, out), "");  // grey file, RGB wanted
    EXPECT_EQ(out.shape, (ImageShape{9, 13, 3}));
}

TEST(PngDecode, CorruptTruncatedAndBombFilesAreRefusedClearly) {
    const auto good = png_of(bs_test::pattern_image(32, 32, 3));
    Image out;
    auto cut = good;
    cut.resize(good.size() - 30);
    EXPECT_NE(decode_png(cut, 3, {}, out).find("invalid PNG"), std::string::npos);
    auto crc = good;
    crc[30] ^= 1;  // IHDR CRC
    EXPECT_NE(decode_png(crc, 3, {}, out), "");
    auto bomb = good;
    set_png_dims(bomb, 100000, 100000);
    Image fresh;
    const std::string e = decode_png(bomb, 3, {}, fresh);
    EXPECT_NE(e.find("exceeds the limit"), std::string::npos) << e;
    EXPECT_EQ(fresh.pixels.capacity(), 0u);
}

TEST(ImageCodec, SniffsProbesAndRefusesOtherFormats) {
    const auto j = jpeg_of(bs_test::pattern_image(10, 20, 1));
    const auto p = png_of(bs_test::pattern_image(10, 20, 3));
    EXPECT_EQ(sniff_format(j), ImageFormat::Jpeg);
    EXPECT_EQ(sniff_format(p), ImageFormat::Png);
    ImageShape s;
    ASSERT_EQ(probe_image(j, s), "");
    EXPECT_EQ(s, (ImageShape{10, 20, 1}));
    ASSERT_EQ(probe_image(p, s), "");
    EXPECT_EQ(s, (ImageShape{10, 20, 3}));
    Image out;
    const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0};
    EXPECT_NE(decode_image(gif, 3, {}, out).find("not a JPEG or PNG"), std::string::npos);
    EXPECT_EQ(decode_image({}, 3, {}, out), "empty file");
}

TEST(ImageCodec, ShortFuzzOfDamagedFilesNeverCrashes) {
    const std::vector<std::vector<uint8_t>> seeds = {jpeg_of(bs_test::pattern_image(24, 24, 3)),
                                                     jpeg_of(bs_test::pattern_image(24, 24, 3), 80, true),
                                                     png_of(bs_test::pattern_image(24, 24, 3)),
                                                     png_of(bs_test::pattern_image(24, 24, 1), {true, true})};
    std::mt19937 rng(12345);
    Image out;
    int ok = 0, refused = 0;
    for (int iter = 0; iter < 1200; ++iter) {
        auto f = seeds[static_cast<size_t>(iter) % seeds.size()];
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < flips; ++k) f[rng() % f.size()] = static_cast<uint8_t>(rng());
        if (rng() % 4 == 0) f.resize(rng() % f.size());
        const std::string e = decode_image(f, 3, {}, out);
        if (e.empty()) {
            ++ok;
            EXPECT_LE(out.shape.pixels(), DecodeLimits{}.max_pixels);
        } else {
            ++refused;
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_EQ(ok + refused, 1200);
}
