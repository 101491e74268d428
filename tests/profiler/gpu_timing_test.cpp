// The fallback when CUPTI cannot start: the run times its GPU phases with CUDA events and the
// reason is kept, never silently. Uses an in-process fake collector (the real plugin's refusal
// without a GPU is cupti_fallback_test).
#include <gtest/gtest.h>

#include <limits>

#include "batchscope/profiler/gpu_timing.h"

using namespace batchscope::profiler;

namespace {
class FakeCollector : public ActivityCollector {
public:
    FakeCollector(bool ok, std::string why) : ok_(ok), why_(std::move(why)) {}
    bool start(std::string& why) override {
        ++starts;
        if (!ok_) why = why_;
        return ok_;
    }
    int starts = 0;

private:
    bool ok_;
    std::string why_;
};
}  // namespace

TEST(GpuTiming, CuptiWhenTheCollectorStarts) {
    FakeCollector c(true, "");
    const GpuTimingStatus s = choose_gpu_timing({&c, true, false});
    EXPECT_EQ(s.mode, GpuTimingMode::Cupti);
    EXPECT_EQ(c.starts, 1);
    EXPECT_TRUE(s.reason.empty());
    EXPECT_NE(s.describe().find("CUPTI activity records"), std::string::npos);
}

TEST(GpuTiming, CudaEventsWithTheReasonWhenCuptiCannotStart) {
    FakeCollector c(false, "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED: another profiler is attached");
    const GpuTimingStatus s = choose_gpu_timing({&c, true, false});
    EXPECT_EQ(s.mode, GpuTimingMode::CudaEvents);
    EXPECT_NE(s.reason.find("another profiler is attached"), std::string::npos);
    const std::string line = s.describe();
    EXPECT_NE(line.find("CUDA events"), std::string::npos) << line;
    EXPECT_NE(line.find("another profiler is attached"), std::string::npos) << line;
}

TEST(GpuTiming, NeverSilentEvenWithoutAReasonOrAFallback) {
    FakeCollector mute(false, "");
    GpuTimingStatus s = choose_gpu_timing({&mute, true, false});
    EXPECT_EQ(s.mode, GpuTimingMode::CudaEvents);
    EXPECT_NE(s.reason.find("gave no reason"), std::string::npos);

    FakeCollector c(false, "insufficient privileges (CUPTI_ERROR_INSUFFICIENT_PRIVILEGES)");
    s = choose_gpu_timing({&c, false, false});  // no CUDA events either
    EXPECT_EQ(s.mode, GpuTimingMode::None);
    EXPECT_NE(s.describe().find("insufficient privileges"), std::string::npos);
    EXPECT_NE(s.describe().find("cannot time with CUDA events"), std::string::npos);

    s = choose_gpu_timing({nullptr, true, false});
    EXPECT_EQ(s.mode, GpuTimingMode::CudaEvents);
    EXPECT_NE(s.reason.find("no CUPTI collector"), std::string::npos);
}

TEST(GpuTiming, TurnedOffByTheUserDoesNotStartTheCollector) {
    FakeCollector c(true, "");
    const GpuTimingStatus s = choose_gpu_timing({&c, true, true});
    EXPECT_EQ(c.starts, 0);
    EXPECT_EQ(s.mode, GpuTimingMode::CudaEvents);
    EXPECT_NE(s.reason.find("turned off by the user"), std::string::npos);
}

TEST(GpuTiming, DefaultStatusIsTheCpuBackend) {
    const GpuTimingStatus s;
    EXPECT_EQ(s.mode, GpuTimingMode::None);
    EXPECT_NE(s.describe().find("CPU backend"), std::string::npos);
}

TEST(GpuTiming, CudaEventSpansBecomeEventsOnTheHostClock) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const CudaEventSpan spans[] = {
        {Phase::H2D, {LaneKind::CopyStream, 0}, 7, 4096, 0.010f, 0.250f},
        {Phase::Compute, {LaneKind::ComputeStream, 0}, 7, 0, 0.250f, 1.500f},
        {Phase::D2H, {LaneKind::CopyStream, 0}, 7, 40, 1.500f, 1.400f},  // ends before it starts
        {Phase::Compute, {LaneKind::ComputeStream, 0}, 8, 0, nan, 2.0f},
    };
    size_t rejected = 0;
    const auto ev = events_from_cuda_events(1'000'000'000, spans, &rejected);
    EXPECT_EQ(rejected, 2u);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].phase, Phase::H2D);
    EXPECT_EQ(ev[0].lane, (Lane{LaneKind::CopyStream, 0}));
    EXPECT_NEAR(static_cast<double>(ev[0].start_ns), 1'000'010'000.0, 2);
    EXPECT_NEAR(static_cast<double>(ev[0].end_ns), 1'000'250'000.0, 2);
    EXPECT_EQ(ev[0].bytes, 4096u);
    EXPECT_EQ(ev[1].id, 7);
    EXPECT_NEAR(static_cast<double>(ev[1].duration_ns()), 1'250'000.0, 2);
}
