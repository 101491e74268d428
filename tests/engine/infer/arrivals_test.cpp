#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/profiler/clock.h"

using namespace batchscope::engine::infer;

TEST(Arrivals, PoissonGapsHaveTheRightMeanAndDispersion) {
    ArrivalProcess a(LoadMode::Poisson, 20000, 1, 42);  // mean gap 50 us
    const int n = 200000;
    double sum = 0, sum2 = 0;
    std::vector<int64_t> t(n);
    int64_t now = 0;
    for (int i = 0; i < n; ++i) {
        const double g = static_cast<double>(a.next_gap_ns());
        sum += g;
        sum2 += g * g;
        now += static_cast<int64_t>(g);
        t[static_cast<size_t>(i)] = now;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    EXPECT_NEAR(mean, 50'000, 50'000 * 0.01);                 // 200k samples: standard error 0.22%
    EXPECT_NEAR(std::sqrt(var) / mean, 1.0, 0.02);            // exponential: coefficient of variation 1
    // Counts in 1 ms windows: Poisson, so variance / mean (index of dispersion) is 1.
    std::vector<int> counts(static_cast<size_t>(now / 1'000'000) + 1, 0);
    for (int64_t x : t) ++counts[static_cast<size_t>(x / 1'000'000)];
    counts.pop_back();  // the last window is partial
    double cm = 0, cv = 0;
    for (int c : counts) cm += c;
    cm /= static_cast<double>(counts.size());
    for (int c : counts) cv += (c - cm) * (c - cm);
    cv /= static_cast<double>(counts.size() - 1);
    EXPECT_NEAR(cm, 20.0, 0.3);
    EXPECT_NEAR(cv / cm, 1.0, 0.08);
}

TEST(Arrivals, ConstantRateIsExactAndRateChangesApply) {
    ArrivalProcess a(LoadMode::Constant, 4000, 1, 0);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next_gap_ns(), 250'000);
    a.set_rate(1000);
    EXPECT_EQ(a.next_gap_ns(), 1'000'000);
}

TEST(Arrivals, BurstsKeepTheMeanRateAndArriveTogether) {
    ArrivalProcess a(LoadMode::Bursts, 10000, 8, 3);
    const int bursts = 20000;
    double total = 0;
    for (int b = 0; b < bursts; ++b) {
        for (int k = 0; k < 7; ++k) EXPECT_EQ(a.next_gap_ns(), 0) << "inside burst " << b;
        total += static_cast<double>(a.next_gap_ns());
    }
    EXPECT_NEAR(total / (bursts * 8.0), 100'000, 100'000 * 0.03);  // mean gap per request: 1 / 10k/s
}

TEST(Arrivals, ParsesModesAndIsSeeded) {
    EXPECT_EQ(parse_load_mode("closed"), LoadMode::Closed);
    EXPECT_EQ(parse_load_mode("offline"), LoadMode::Offline);
    EXPECT_FALSE(parse_load_mode("sometimes"));
    ArrivalProcess a(LoadMode::Poisson, 100, 1, 9), b(LoadMode::Poisson, 100, 1, 9);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_gap_ns(), b.next_gap_ns());
}

TEST(Arrivals, WaitUntilNeverReturnsEarly) {
    for (int i = 0; i < 20; ++i) {
        const int64_t due = batchscope::profiler::now_ns() + 200'000 * (i % 3);
        EXPECT_GE(wait_until(due, 50'000), due);
    }
}
