#include <gtest/gtest.h>

#include <cmath>

#include "batchscope/profiler/host_tracer.h"
#include "batchscope/profiler/tsc_clock.h"

using namespace batchscope::profiler;

namespace {
// A made-up machine: the TSC runs at 2.5 GHz, the steady clock 40 ppm faster, 1 s apart at 0.
int64_t true_ns(uint64_t tsc) { return 1'000'000'000 + std::llround(static_cast<double>(tsc) / 2.5 * (1 + 40e-6)); }
}  // namespace

TEST(TscMapping, CalibrationGivesTheRateAndMapsTheEndPoint) {
    TscMapping m;
    ASSERT_TRUE(m.calibrate(1000, true_ns(1000), 12'501'000, true_ns(12'501'000)));  // 5 ms
    EXPECT_NEAR(m.ghz(), 2.5 / (1 + 40e-6), 1e-6);
    EXPECT_NEAR(static_cast<double>(TscMapping::apply(m.params(), 12'501'000)), static_cast<double>(true_ns(12'501'000)), 1);
    EXPECT_NEAR(static_cast<double>(TscMapping::apply(m.params(), 25'001'000)), static_cast<double>(true_ns(25'001'000)), 2);
}

TEST(TscMapping, ImplausibleRatesAreRefused) {
    TscMapping m;
    EXPECT_FALSE(m.calibrate(1000, 100, 1000, 200));           // TSC did not move
    EXPECT_FALSE(m.calibrate(1000, 100, 2000, 100));           // steady clock did not move
    EXPECT_FALSE(m.calibrate(0, 0, 100'000'000'000, 1000));    // 100 GHz
    EXPECT_FALSE(m.calibrate(0, 0, 10, 1'000'000));            // 10 kHz
}

TEST(TscMapping, CorrectionsAreContinuousMonotonicAndConverge) {
    TscMapping m;
    // A calibration 3 µs off at its end point (a preempted bracket): a bad rate and offset.
    ASSERT_TRUE(m.calibrate(0, true_ns(0), 12'500'000, true_ns(12'500'000) + 3000));
    const int64_t err0 = std::llabs(TscMapping::apply(m.params(), 250'000'000) - true_ns(250'000'000));
    EXPECT_GT(err0, 10'000);  // 100 ms later the bad rate has put it tens of µs off
    uint64_t tsc = 12'500'000;
    int64_t prev = TscMapping::apply(m.params(), tsc);
    int64_t last_err = 0;
    for (int k = 1; k <= 50; ++k) {  // a tick every 100 ms for 5 s
        const uint64_t next = tsc + 250'000'000;
        for (uint64_t t = tsc; t < next; t += 25'000'000) {  // monotonic between ticks
            const int64_t v = TscMapping::apply(m.params(), t);
            ASSERT_GE(v, prev);
            prev = v;
        }
        const TscMapping::Params before = m.params();
        m.correct(next, true_ns(next));
        // Continuous: the new line starts where the old one was.
        ASSERT_NEAR(static_cast<double>(TscMapping::apply(m.params(), next)),
                    static_cast<double>(TscMapping::apply(before, next)), 1.0);
        last_err = std::llabs(TscMapping::apply(m.params(), next + 125'000'000) - true_ns(next + 125'000'000));
        tsc = next;
    }
    EXPECT_LT(last_err, 100);  // within 100 ns of the steady clock once fitted
    EXPECT_NEAR(m.ghz(), 2.5 / (1 + 40e-6), 1e-6);
}

TEST(TscClock, FastReadsLieOnTheSteadyClockOrSayWhyNot) {
    const HostClockInfo info = host_clock_info();
    EXPECT_FALSE(info.description.empty());
    if (info.tsc) EXPECT_GT(info.tsc_ghz, 0.1);
    else EXPECT_NE(info.description.find("not used"), std::string::npos) << info.description;
    // Each fast read lies between the steady reads around it, give or take the calibration
    // error (a few µs at worst; 100 µs of slack). Preemption only widens the bracket.
    for (int i = 0; i < 1000; ++i) {
        const int64_t a = now_ns();
        const int64_t f = fast_now_ns();
        const int64_t b = now_ns();
        ASSERT_GE(f, a - 100'000) << i;
        ASSERT_LE(f, b + 100'000) << i;
    }
}

TEST(TscClock, TraceScopeTimesAreOnTheSteadyClock) {
    HostTracer t(64);
    const int64_t a = now_ns();
    { TraceScope s(&t, Phase::Compute, {}, 7); }
    const int64_t b = now_ns();
    std::vector<Event> out;
    ASSERT_EQ(t.drain(out), 1u);
    EXPECT_LE(out[0].start_ns, out[0].end_ns);
    EXPECT_GE(out[0].start_ns, a - 100'000);
    EXPECT_LE(out[0].end_ns, b + 100'000);
}
