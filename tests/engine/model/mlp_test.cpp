#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "batchscope/engine/mlp.h"

using batchscope::engine::Mlp;

namespace {
// A linearly separable 3-class problem in 8 dimensions.
void make_problem(int n, std::vector<float>& x, std::vector<int32_t>& y) {
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0.f, 0.3f);
    x.resize(static_cast<size_t>(n) * 8);
    y.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        y[static_cast<size_t>(i)] = i % 3;
        for (int j = 0; j < 8; ++j) x[static_cast<size_t>(i) * 8 + j] = noise(rng) + (j % 3 == i % 3 ? 1.5f : 0.f);
    }
}
}  // namespace

TEST(Mlp, InitialLossIsNearLogOfClassCount) {
    Mlp m({784, 256, 128, 10}, 0);
    std::vector<float> x(64 * 784, 0.5f);
    std::vector<int32_t> y(64);
    for (int i = 0; i < 64; ++i) y[static_cast<size_t>(i)] = i % 10;
    const float loss = m.train_step(x.data(), y.data(), 64, 0.0f, 0.0f);
    EXPECT_NEAR(loss, std::log(10.0f), 0.3f);
    EXPECT_EQ(m.parameter_count(), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
}

TEST(Mlp, LearnsASeparableProblem) {
    std::vector<float> x;
    std::vector<int32_t> y;
    make_problem(600, x, y);
    Mlp m({8, 16, 3}, 3);
    const int64_t before = m.count_correct(x.data(), y.data(), 600);
    float first = 0, last = 0;
    for (int step = 0; step < 200; ++step) {
        const int off = (step * 30) % 600;
        const float l = m.train_step(x.data() + off * 8, y.data() + off, 30, 0.05f, 0.9f);
        if (step == 0) first = l;
        last = l;
    }
    EXPECT_LT(last, first * 0.3f);
    const int64_t after = m.count_correct(x.data(), y.data(), 600);
    EXPECT_GT(after, 570) << "before training: " << before;
}

TEST(Mlp, SameSeedSameResult) {
    std::vector<float> x;
    std::vector<int32_t> y;
    make_problem(90, x, y);
    Mlp a({8, 16, 3}, 9), b({8, 16, 3}, 9);
    for (int s = 0; s < 5; ++s) {
        EXPECT_EQ(a.train_step(x.data(), y.data(), 90, 0.1f, 0.9f), b.train_step(x.data(), y.data(), 90, 0.1f, 0.9f));
    }
}

TEST(Mlp, GrowsForLargerBatchesWithoutReallocatingSmallerOnes) {
    Mlp m({8, 4, 3}, 1);
    std::vector<float> x(100 * 8, 0.1f);
    std::vector<int32_t> y(100, 1);
    m.train_step(x.data(), y.data(), 10, 0.01f, 0.f);
    EXPECT_EQ(m.capacity(), 10);
    m.train_step(x.data(), y.data(), 100, 0.01f, 0.f);
    EXPECT_EQ(m.capacity(), 100);
    m.train_step(x.data(), y.data(), 20, 0.01f, 0.f);
    EXPECT_EQ(m.capacity(), 100);
}

TEST(Mlp, RejectsBadWidths) {
    EXPECT_THROW(Mlp({784}, 0), std::invalid_argument);
    EXPECT_THROW(Mlp({784, 0, 10}, 0), std::invalid_argument);
}
