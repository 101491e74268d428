#include <gtest/gtest.h>

#include "batchscope/profiler/gpu_activity.h"

using namespace batchscope::profiler;

namespace {
GpuActivity kernel(const char* name, int64_t s, int64_t e, uint32_t stream = 7, int64_t id = -1) {
    GpuActivity a;
    a.kind = GpuActivityKind::Kernel;
    a.name = name;
    a.start_ns = s;
    a.end_ns = e;
    a.stream_id = stream;
    a.id = id;
    return a;
}
GpuActivity copy(CopyDirection d, uint64_t bytes, int64_t s, int64_t e, bool pinned, uint32_t stream = 9) {
    GpuActivity a;
    a.kind = GpuActivityKind::Memcpy;
    a.direction = d;
    a.bytes = bytes;
    a.start_ns = s;
    a.end_ns = e;
    a.pinned = pinned;
    a.stream_id = stream;
    return a;
}
}  // namespace

TEST(GpuTables, KernelsGroupedByNameLargestTotalFirst) {
    const std::vector<GpuActivity> a = {kernel("gemm", 0, 100), kernel("relu", 100, 110), kernel("gemm", 200, 500),
                                        copy(CopyDirection::HtoD, 10, 0, 1, true)};
    const auto t = kernel_table(a);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].name, "gemm");
    EXPECT_EQ(t[0].calls, 2);
    EXPECT_EQ(t[0].total_ns, 400);
    EXPECT_EQ(t[0].max_ns, 300);
    EXPECT_DOUBLE_EQ(t[0].mean_ns(), 200.0);
    EXPECT_EQ(t[1].name, "relu");
}

TEST(GpuTables, CopiesByDirectionAndPinnedWithBandwidth) {
    const std::vector<GpuActivity> a = {
        copy(CopyDirection::HtoD, 25'000'000, 0, 1'000'000, true),  // 25 GB/s
        copy(CopyDirection::HtoD, 25'000'000, 0, 1'000'000, true),
        copy(CopyDirection::HtoD, 6'000'000, 0, 1'000'000, false),  // pageable: 6 GB/s
        copy(CopyDirection::DtoH, 4, 0, 2'000, true),
    };
    const auto t = copy_table(a);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0].direction, CopyDirection::HtoD);
    EXPECT_TRUE(t[0].pinned);
    EXPECT_EQ(t[0].calls, 2);
    EXPECT_EQ(t[0].bytes, 50'000'000u);
    EXPECT_DOUBLE_EQ(t[0].gb_per_s(), 25.0);
    EXPECT_FALSE(t[1].pinned);
    EXPECT_DOUBLE_EQ(t[1].gb_per_s(), 6.0);
    EXPECT_EQ(t[2].direction, CopyDirection::DtoH);
}

TEST(GpuActivityEvents, KernelsAndCopiesBecomeStreamLaneEvents) {
    GpuActivity rt;
    rt.kind = GpuActivityKind::Runtime;
    GpuActivity dtod = copy(CopyDirection::DtoD, 64, 5, 6, false, 7);
    const std::vector<GpuActivity> a = {kernel("k", 10, 20, 7, 3), copy(CopyDirection::HtoD, 100, 0, 10, true, 9),
                                        copy(CopyDirection::DtoH, 8, 20, 22, true, 9), rt, dtod,
                                        copy(CopyDirection::HtoH, 8, 0, 1, true, 9)};
    StreamLanes lanes;
    std::vector<Event> out;
    append_events(a, lanes, out);
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].phase, Phase::Compute);
    EXPECT_EQ(out[0].lane, (Lane{LaneKind::ComputeStream, 0}));
    EXPECT_EQ(out[0].id, 3);
    EXPECT_EQ(out[1].phase, Phase::H2D);
    EXPECT_EQ(out[1].lane, (Lane{LaneKind::CopyStream, 1}));  // stream 9 is the second stream seen
    EXPECT_EQ(out[1].bytes, 100u);
    EXPECT_EQ(out[2].phase, Phase::D2H);
    EXPECT_EQ(out[3].phase, Phase::Compute);  // device-to-device work
    EXPECT_EQ(out[3].lane, (Lane{LaneKind::ComputeStream, 0}));
    EXPECT_EQ(lanes.size(), 2u);
    const auto counts = count_activities(a);
    EXPECT_EQ(counts.per_kind[static_cast<int>(GpuActivityKind::Memcpy)], 4u);
    EXPECT_EQ(counts.with_id, 1u);
}
