#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "batchscope/engine/infer/latency_stats.h"

using namespace batchscope::engine::infer;

TEST(LatencyStats, NearestRankOnAUniformGrid) {
    std::vector<int64_t> v(1000);
    std::iota(v.begin(), v.end(), 1);
    std::shuffle(v.begin(), v.end(), std::mt19937(1));
    const LatencySummary s = summarize(v);
    EXPECT_EQ(s.count, 1000);
    EXPECT_EQ(s.min_ns, 1);
    EXPECT_EQ(s.max_ns, 1000);
    EXPECT_DOUBLE_EQ(s.mean_ns, 500.5);
    EXPECT_EQ(s.value_ns(50), 500);
    EXPECT_EQ(s.value_ns(90), 900);
    EXPECT_EQ(s.value_ns(99), 990);
    EXPECT_EQ(s.value_ns(99.9), 999);
    EXPECT_EQ(s.at(99)->tail, 11);
    EXPECT_TRUE(s.at(99)->enough);
    EXPECT_FALSE(s.at(99.9)->enough) << "p99.9 needs 10,000 samples";
    EXPECT_EQ(s.at(99.9)->needed, 10000);
}

TEST(LatencyStats, TheTrustRuleNeedsTenSamplesBeyondThePercentile) {
    EXPECT_EQ(min_samples_for(50), 20);
    EXPECT_EQ(min_samples_for(90), 100);
    EXPECT_EQ(min_samples_for(95), 200);
    EXPECT_EQ(min_samples_for(99), 1000);
    EXPECT_EQ(min_samples_for(99.9), 10000);
    std::vector<int64_t> few = {5, 1, 3};
    const LatencySummary s = summarize(few);
    EXPECT_EQ(s.value_ns(50), 3);
    EXPECT_EQ(s.value_ns(99), 5);
    EXPECT_FALSE(s.at(50)->enough);
    std::vector<int64_t> none;
    EXPECT_EQ(summarize(none).count, 0);
}

TEST(LatencyStats, ExponentialPercentilesMatchTheory) {
    std::mt19937_64 rng(5);
    std::exponential_distribution<double> e(1.0 / 100'000);  // mean 100 us
    std::vector<int64_t> v(200000);
    for (auto& x : v) x = static_cast<int64_t>(e(rng));
    const LatencySummary s = summarize(v);
    for (double p : {50.0, 90.0, 99.0}) {
        const double theory = -std::log(1 - p / 100) * 100'000;
        EXPECT_NEAR(static_cast<double>(s.value_ns(p)), theory, theory * 0.04) << "p" << p;
    }
}

TEST(LatencyStats, HistogramPercentilesAreWithinOnePercentOfExact) {
    std::mt19937_64 rng(2);
    std::lognormal_distribution<double> d(std::log(200'000.0), 0.8);
    std::vector<int64_t> v(100000);
    LogHistogram h;
    for (auto& x : v) {
        x = static_cast<int64_t>(d(rng));
        h.add(x);
    }
    const LatencySummary hs = h.summary();
    const LatencySummary es = summarize(v);
    EXPECT_FALSE(hs.exact);
    EXPECT_EQ(hs.count, es.count);
    EXPECT_EQ(hs.max_ns, es.max_ns);
    for (double p : kReportedPercentiles) {
        const double exact = static_cast<double>(es.value_ns(p));
        EXPECT_NEAR(static_cast<double>(hs.value_ns(p)), exact, exact * 0.01) << "p" << p;
    }
    int64_t binned = 0;
    for (const auto& b : h.bins(10)) {
        EXPECT_LT(b.lo_ns, b.hi_ns);
        binned += b.count;
    }
    EXPECT_EQ(binned, 100000);
    LogHistogram small;
    for (int64_t x : {0, 1, 127, 128, 129}) small.add(x);
    EXPECT_EQ(small.summary().value_ns(50), 127);
}
