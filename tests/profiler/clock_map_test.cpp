#include <gtest/gtest.h>

#include "batchscope/profiler/clock_map.h"

using batchscope::profiler::ClockMap;

TEST(ClockMap, OffsetOnlyWithOneSample) {
    ClockMap m;
    EXPECT_EQ(m.to_host(1234), 1234);  // no sample: identity
    m.add_bracketed(1'000'000, 50'000'000'000ull, 1'000'200);  // midpoint 1'000'100
    EXPECT_EQ(m.to_host(50'000'000'000ull), 1'000'100);
    EXPECT_EQ(m.to_host(50'000'001'000ull), 1'001'100);
    EXPECT_EQ(m.slope(), 1.0);
}

TEST(ClockMap, FitsDriftAcrossSamples) {
    // The other clock runs 100 ppm fast and starts 7 s ahead; samples every 10 ms with ±50 ns jitter.
    ClockMap m;
    for (int i = 0; i <= 100; ++i) {
        const int64_t host = 3'000'000'000 + i * 10'000'000LL;
        const int64_t jitter = (i % 3 - 1) * 50;
        const auto other = static_cast<uint64_t>(host + 7'000'000'000LL + (host - 3'000'000'000LL) / 10'000 + jitter);
        m.add_sample(other, host);
    }
    EXPECT_EQ(m.samples(), 64u);  // only the most recent are kept
    EXPECT_NEAR(m.slope(), 1.0 / 1.0001, 2e-7);
    const int64_t host = 3'500'000'000;
    const auto other = static_cast<uint64_t>(host + 7'000'000'000LL + (host - 3'000'000'000LL) / 10'000);
    EXPECT_NEAR(static_cast<double>(m.to_host(other)), static_cast<double>(host), 100.0);
}
