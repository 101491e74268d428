#include <gtest/gtest.h>

#include "batchscope/engine/data/augment.h"
#include "data_fixtures.h"

using namespace batchscope::engine::data;

TEST(Augment, RandomResizedCropStaysInsideWithinScaleAndRatio) {
    AugmentOptions o;
    for (uint64_t key = 0; key < 500; ++key) {
        SampleRng rng(7, key);
        const CropBox b = random_resized_crop_box(224, 160, o, rng);
        ASSERT_GE(b.x, 0);
        ASSERT_GE(b.y, 0);
        ASSERT_LE(b.x + b.width, 224);
        ASSERT_LE(b.y + b.height, 160);
        const double area = static_cast<double>(b.width) * b.height / (224.0 * 160.0);
        EXPECT_GE(area, 0.07);
        EXPECT_LE(area, 1.0);
    }
    SampleRng a(7, 3), b(7, 3), c(7, 4);
    EXPECT_EQ(random_resized_crop_box(224, 160, o, a), random_resized_crop_box(224, 160, o, b));
    SampleRng a2(7, 3);
    EXPECT_NE(random_resized_crop_box(224, 160, o, a2), random_resized_crop_box(224, 160, o, c));
}

TEST(Augment, ImpossibleRatiosFallBackToACentreCrop) {
    AugmentOptions o;
    o.crop_scale_min = o.crop_scale_max = 1.0f;  // the whole area, but at most 4:3: a 1000 x 10 strip cannot
    SampleRng rng(1, 1);
    const CropBox b = random_resized_crop_box(1000, 10, o, rng);
    EXPECT_EQ(b.height, 10);
    EXPECT_EQ(b.width, 13);  // round(10 * 4/3)
    EXPECT_EQ(b.x, (1000 - 13) / 2);
}

TEST(Augment, FlipMirrorsAndResizeKeepsConstantImagesConstant) {
    const Image in = bs_test::pattern_image(6, 10, 3);
    AugmentOptions o;
    o.horizontal_flip = true;
    Augmenter aug;
    int flipped = 0;
    for (uint64_t key = 0; key < 20; ++key) {
        const Image& out = aug.apply(in, in.shape, o, key);
        const bool mirrored = &out != &in;
        flipped += mirrored;
        if (!mirrored) continue;
        for (int y = 0; y < 6; ++y)
            for (int x = 0; x < 10; ++x)
                for (int c = 0; c < 3; ++c) {
                    ASSERT_EQ(out.pixels[static_cast<size_t>((y * 10 + x) * 3 + c)],
                              in.pixels[static_cast<size_t>((y * 10 + 9 - x) * 3 + c)]);
                }
    }
    EXPECT_GT(flipped, 3);
    EXPECT_LT(flipped, 17);
    Image flat;
    flat.reshape({30, 30, 1});
    std::fill(flat.pixels.begin(), flat.pixels.end(), uint8_t{77});
    AugmentOptions crop;
    crop.random_resized_crop = true;
    const Image& out = aug.apply(flat, {12, 12, 1}, crop, 5);
    EXPECT_EQ(out.shape, (ImageShape{12, 12, 1}));
    for (int64_t i = 0; i < 144; ++i) EXPECT_EQ(out.pixels[static_cast<size_t>(i)], 77);
}

TEST(Augment, NothingToDoReturnsTheInputItself) {
    const Image in = bs_test::pattern_image(5, 5, 1);
    Augmenter aug;
    EXPECT_EQ(&aug.apply(in, in.shape, AugmentOptions{}, 1), &in);
}

TEST(Augment, CollateWritesChwScaledOrNormalised) {
    Image img;
    img.reshape({1, 2, 3});
    img.pixels = {0, 51, 255, 255, 102, 0};  // pixel 0: (0, 51, 255), pixel 1: (255, 102, 0)
    float x[6];
    Collator(AugmentOptions{}, 3)(img, x);
    EXPECT_FLOAT_EQ(x[0], 0.0f);  // R plane
    EXPECT_FLOAT_EQ(x[1], 1.0f);
    EXPECT_FLOAT_EQ(x[2], 0.2f);  // G plane
    EXPECT_FLOAT_EQ(x[3], 0.4f);
    EXPECT_FLOAT_EQ(x[4], 1.0f);  // B plane
    EXPECT_FLOAT_EQ(x[5], 0.0f);
    AugmentOptions n;
    n.normalize = true;
    n.mean = {0.5f, 0.2f, 0.0f};
    n.stddev = {0.5f, 0.1f, 1.0f};
    Collator(n, 3)(img, x);
    EXPECT_NEAR(x[0], -1.0f, 1e-6);
    EXPECT_NEAR(x[1], 1.0f, 1e-6);
    EXPECT_NEAR(x[2], 0.0f, 1e-5);
    EXPECT_NEAR(x[3], 2.0f, 1e-5);
}
