// The CUPTI record → BsGpuActivity conversion with hand-built CUPTI 13 records: no GPU, no
// driver, no CUPTI call. Records are copied into byte buffers as CUPTI lays them out, handed
// over in several buffers and out of order, and the buffers are scribbled over afterwards
// (CUPTI reuses them), so the converter must copy what it keeps.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include <cupti_version.h>

#include "cupti_record_builders.h"
#include "cupti_records.h"

using batchscope::cuda::CuptiRecordConverter;
using batchscope::cuda::encode_external_id;

// The fields the converter reads, where CUPTI 13.0 (CUPTI_API_VERSION 130001) puts them.
static_assert(CUPTI_API_VERSION >= 130001);
static_assert(offsetof(CUpti_ActivityKernel10, start) == 16);
static_assert(offsetof(CUpti_ActivityKernel10, end) == 24);
static_assert(offsetof(CUpti_ActivityKernel10, deviceId) == 40);
static_assert(offsetof(CUpti_ActivityKernel10, streamId) == 48);
static_assert(offsetof(CUpti_ActivityKernel10, correlationId) == 92);
static_assert(offsetof(CUpti_ActivityKernel10, name) == 104);
static_assert(offsetof(CUpti_ActivityMemcpy6, copyKind) == 4);
static_assert(offsetof(CUpti_ActivityMemcpy6, srcKind) == 5);
static_assert(offsetof(CUpti_ActivityMemcpy6, dstKind) == 6);
static_assert(offsetof(CUpti_ActivityMemcpy6, flags) == 7);
static_assert(offsetof(CUpti_ActivityMemcpy6, bytes) == 8);
static_assert(offsetof(CUpti_ActivityMemcpy6, start) == 16);
static_assert(offsetof(CUpti_ActivityMemcpy6, end) == 24);
static_assert(offsetof(CUpti_ActivityMemcpy6, deviceId) == 32);
static_assert(offsetof(CUpti_ActivityMemcpy6, streamId) == 40);
static_assert(offsetof(CUpti_ActivityMemcpy6, correlationId) == 44);
static_assert(offsetof(CUpti_ActivityMemset4, bytes) == 8);
static_assert(offsetof(CUpti_ActivityMemset4, correlationId) == 44);
static_assert(offsetof(CUpti_ActivityAPI, cbid) == 4);
static_assert(offsetof(CUpti_ActivityAPI, correlationId) == 32);
static_assert(offsetof(CUpti_ActivitySynchronization2, type) == 4);
static_assert(offsetof(CUpti_ActivitySynchronization2, correlationId) == 24);
static_assert(offsetof(CUpti_ActivityOverhead3, start) == 24);
static_assert(offsetof(CUpti_ActivityOverhead3, correlationId) == 40);
static_assert(offsetof(CUpti_ActivityExternalCorrelation, externalKind) == 4);
static_assert(offsetof(CUpti_ActivityExternalCorrelation, externalId) == 8);
static_assert(offsetof(CUpti_ActivityExternalCorrelation, correlationId) == 16);
static_assert(sizeof(CUpti_ActivityKernel10) == 216 && sizeof(CUpti_ActivityMemcpy6) == 96);

using namespace batchscope::cuda::test;

TEST(CuptiRecords, KernelJoinedWithItsIterationAndPhase) {
    CuptiRecordConverter c;
    Buffer b;
    b.add(external(11, 42, kCompute));
    b.add(kernel(11, 2'000'000, 2'500'000, "sgemm_128x64_nn"));
    b.feed(c, 0);
    std::vector<BsGpuActivity> out;
    ASSERT_EQ(c.take(offset_clock(), 0, false, out), 1u);
    const BsGpuActivity& k = out[0];
    EXPECT_EQ(k.kind, BS_GPU_ACTIVITY_KERNEL);
    EXPECT_EQ(k.external_id, 42);
    EXPECT_EQ(k.phase, kCompute);
    EXPECT_TRUE(k.flags & BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL);
    EXPECT_EQ(k.start_ns, 2'000'000 + kGpuToHost);
    EXPECT_EQ(k.end_ns, 2'500'000 + kGpuToHost);
    EXPECT_EQ(k.stream_id, 7u);
    EXPECT_EQ(k.correlation_id, 11u);
    EXPECT_EQ(c.name(k.name_id), "sgemm_128x64_nn");
    EXPECT_EQ(c.records(), 2u);
}

TEST(CuptiRecords, OutOfOrderAcrossBuffersWaitsForTheExternalId) {
    CuptiRecordConverter c(nullptr, 2'000'000'000);
    const ClockMap clock = offset_clock();
    std::vector<BsGpuActivity> out;
    // Buffer 1: the kernels and the copy complete first, their correlation records later.
    Buffer b1;
    b1.add(kernel(21, 3'000'000, 3'200'000, "relu"));
    b1.add(memcpy_rec(20, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, CUPTI_ACTIVITY_MEMORY_KIND_PINNED,
                      CUPTI_ACTIVITY_MEMORY_KIND_DEVICE, 401'408));
    b1.add(kernel(22, 1'000'000, 1'100'000, "relu"));  // an earlier kernel, later in the buffer
    b1.feed(c, 100);
    EXPECT_EQ(c.take(clock, 100, false, out), 0u);
    EXPECT_EQ(c.pending(), 3u);
    // Buffer 2: the external correlations, in another order.
    Buffer b2;
    b2.add(external(22, 6, kCompute));
    b2.add(external(20, 7, kH2D));
    b2.add(external(21, 7, kCompute));
    b2.feed(c, 200);
    ASSERT_EQ(c.take(clock, 200, false, out), 3u);
    EXPECT_EQ(c.pending(), 0u);
    EXPECT_EQ(out[0].external_id, 7);
    EXPECT_EQ(out[0].kind, BS_GPU_ACTIVITY_KERNEL);
    EXPECT_EQ(out[1].external_id, 7);
    EXPECT_EQ(out[1].phase, kH2D);
    EXPECT_EQ(out[1].kind, BS_GPU_ACTIVITY_MEMCPY);
    EXPECT_EQ(out[2].external_id, 6);
    EXPECT_EQ(out[0].name_id, out[2].name_id);  // one name id per kernel name
    EXPECT_EQ(c.unjoined(), 0u);
}

TEST(CuptiRecords, UnjoinedRecordsLeaveAfterTheWaitOrAtTheEnd) {
    CuptiRecordConverter c(nullptr, 1'000);
    const ClockMap clock = offset_clock();
    Buffer b;
    b.add(kernel(31, 4'000'000, 4'000'500, "eval_kernel"));
    b.add(kernel(32, 4'001'000, 4'001'500, "eval_kernel"));
    b.feed(c, 0);
    std::vector<BsGpuActivity> out;
    EXPECT_EQ(c.take(clock, 999, false, out), 0u);
    EXPECT_EQ(c.take(clock, 1'000, false, out), 2u);  // waited long enough
    EXPECT_EQ(out[0].external_id, -1);
    EXPECT_EQ(out[0].phase, BS_GPU_ACTIVITY_NO_PHASE);
    EXPECT_FALSE(out[0].flags & BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL);
    EXPECT_EQ(c.unjoined(), 2u);

    Buffer b2;
    b2.add(kernel(33, 5'000'000, 5'000'100, "late"));
    b2.feed(c, 2'000);
    EXPECT_EQ(c.take(clock, 2'000, true, out), 1u);  // final: no more waiting
}

TEST(CuptiRecords, CopyDirectionsAndPinnedHostMemory) {
    using K = CUpti_ActivityMemcpyKind;
    constexpr auto P = CUPTI_ACTIVITY_MEMORY_KIND_PINNED, G = CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE,
                   D = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
    struct Case {
        K kind;
        CUpti_ActivityMemoryKind src, dst;
        uint8_t want_kind;
        bool want_pinned;
    };
    const Case cases[] = {
        {CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, P, D, BS_GPU_COPY_HTOD, true},
        {CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, G, D, BS_GPU_COPY_HTOD, false},
        {CUPTI_ACTIVITY_MEMCPY_KIND_DTOH, D, P, BS_GPU_COPY_DTOH, true},   // the host side is dst
        {CUPTI_ACTIVITY_MEMCPY_KIND_DTOH, D, G, BS_GPU_COPY_DTOH, false},
        {CUPTI_ACTIVITY_MEMCPY_KIND_DTOD, D, D, BS_GPU_COPY_DTOD, false},
        {CUPTI_ACTIVITY_MEMCPY_KIND_HTOA, P, CUPTI_ACTIVITY_MEMORY_KIND_ARRAY, BS_GPU_COPY_HTOD, true},
        {CUPTI_ACTIVITY_MEMCPY_KIND_PTOP, D, D, BS_GPU_COPY_PTOP, false},
        {CUPTI_ACTIVITY_MEMCPY_KIND_HTOH, P, P, BS_GPU_COPY_HTOH, false},  // pinned only matters across PCIe
    };
    CuptiRecordConverter c;
    Buffer b;
    for (uint32_t i = 0; i < std::size(cases); ++i) {
        const Case& k = cases[i];
        b.add(memcpy_rec(100 + i, k.kind, k.src, k.dst, 1 << 20, /*async=*/i % 2 == 0));
    }
    b.feed(c, 0);
    std::vector<BsGpuActivity> out;
    ASSERT_EQ(c.take(offset_clock(), 0, true, out), std::size(cases));
    for (size_t i = 0; i < std::size(cases); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(out[i].copy_kind, cases[i].want_kind);
        EXPECT_EQ((out[i].flags & BS_GPU_ACTIVITY_FLAG_PINNED) != 0, cases[i].want_pinned);
        EXPECT_EQ((out[i].flags & BS_GPU_ACTIVITY_FLAG_ASYNC) != 0, i % 2 == 0);
        EXPECT_EQ(out[i].bytes, 1u << 20);
        EXPECT_EQ(out[i].stream_id, 9u);
    }
}

TEST(CuptiRecords, MemsetRuntimeSyncOverheadAndBadRecords) {
    CuptiRecordConverter c([](bool driver, uint32_t cbid) {
        return !driver && cbid == 211 ? std::string("cudaLaunchKernel_v7000") : std::string();
    });
    Buffer b;
    CUpti_ActivityMemset4 ms{};
    ms.kind = CUPTI_ACTIVITY_KIND_MEMSET;
    ms.bytes = 4096;
    ms.start = 1'000;
    ms.end = 2'000;
    ms.correlationId = 50;
    b.add(ms);
    CUpti_ActivityAPI api{};
    api.kind = CUPTI_ACTIVITY_KIND_RUNTIME;
    api.cbid = 211;
    api.start = 500;
    api.end = 900;
    api.correlationId = 51;
    b.add(api);
    api.cbid = 9999;  // the namer does not know it
    api.correlationId = 52;
    b.add(api);
    CUpti_ActivitySynchronization2 sync{};
    sync.kind = CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;
    sync.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE;
    sync.start = 2'000;
    sync.end = 9'000;
    sync.correlationId = 53;
    b.add(sync);
    CUpti_ActivityOverhead3 oh{};
    oh.kind = CUPTI_ACTIVITY_KIND_OVERHEAD;
    oh.overheadKind = CUPTI_ACTIVITY_OVERHEAD_CUPTI_BUFFER_FLUSH;
    oh.start = 100;
    oh.end = 200;
    b.add(oh);  // correlation id 0: never joined, never waits
    b.add(kernel(54, 0, 0, "zero_timestamps"));  // CUPTI 13.0's timestamp-callback bug
    CUpti_ActivityAPI other{};
    other.kind = CUPTI_ACTIVITY_KIND_NAME;  // a kind the converter does not use
    b.add(other);
    b.add(external(51, 3, kCompute));
    b.feed(c, 0);
    std::vector<BsGpuActivity> out;
    ASSERT_EQ(c.take(offset_clock(), 0, false, out), 2u);  // runtime 51 (joined) and the overhead
    ASSERT_EQ(c.take(offset_clock(), 0, true, out), 3u);  // the memset, runtime 52 and the sync
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(c.bad_timestamps(), 1u);
    EXPECT_EQ(c.unknown_kinds(), 1u);
    auto find = [&](uint8_t kind, uint32_t corr) {
        for (const auto& a : out)
            if (a.kind == kind && a.correlation_id == corr) return a;
        ADD_FAILURE() << "no record of kind " << int(kind) << " corr " << corr;
        return BsGpuActivity{};
    };
    EXPECT_EQ(find(BS_GPU_ACTIVITY_MEMSET, 50).bytes, 4096u);
    const BsGpuActivity launch = find(BS_GPU_ACTIVITY_RUNTIME, 51);
    EXPECT_EQ(c.name(launch.name_id), "cudaLaunchKernel_v7000");
    EXPECT_EQ(launch.external_id, 3);
    EXPECT_EQ(c.name(find(BS_GPU_ACTIVITY_RUNTIME, 52).name_id), "runtime API 9999");
    EXPECT_EQ(c.name(find(BS_GPU_ACTIVITY_SYNCHRONIZATION, 53).name_id), "cudaStreamSynchronize");
    EXPECT_EQ(c.name(find(BS_GPU_ACTIVITY_OVERHEAD, 0).name_id), "CUPTI buffer flush");
}

// cuBLAS launches its GEMM kernels with cuLaunchKernelEx: the external-correlation record comes
// beside a DRIVER API record (CuptiSession enables that kind), the kernels in a later buffer.
TEST(CuptiRecords, KernelsLaunchedThroughTheDriverApiJoinTheirIteration) {
    CuptiRecordConverter c([](bool driver, uint32_t cbid) {
        return driver && cbid == 652 ? std::string("cuLaunchKernelEx") : std::string();
    });
    Buffer b1;
    CUpti_ActivityAPI launch{};
    launch.kind = CUPTI_ACTIVITY_KIND_DRIVER;
    launch.cbid = 652;
    launch.start = 1'000'000;
    launch.end = 1'000'400;
    launch.correlationId = 70;
    b1.add(launch);
    b1.add(external(70, 12, kCompute));
    b1.feed(c, 0);
    Buffer b2;
    b2.add(kernel(70, 1'100'000, 1'600'000, "sm90_xmma_gemm_f32f32_tf32f32_f32_nn"));
    b2.feed(c, 10);
    std::vector<BsGpuActivity> out;
    ASSERT_EQ(c.take(offset_clock(), 10, false, out), 2u);  // joined: nothing waits for the 2 s timeout
    EXPECT_EQ(c.unjoined(), 0u);
    for (const BsGpuActivity& a : out) {
        EXPECT_EQ(a.external_id, 12);
        EXPECT_EQ(a.phase, kCompute);
    }
    const BsGpuActivity& api = out[0].kind == BS_GPU_ACTIVITY_RUNTIME ? out[0] : out[1];
    EXPECT_EQ(c.name(api.name_id), "cuLaunchKernelEx");
    // A driver callback id the namer does not know says which domain it is from.
    launch.cbid = 9999;
    launch.correlationId = 71;
    Buffer b3;
    b3.add(launch);
    b3.feed(c, 20);
    ASSERT_EQ(c.take(offset_clock(), 20, true, out), 1u);
    EXPECT_EQ(c.name(out.back().name_id), "driver API 9999");
}

TEST(CuptiRecords, ExternalIdPacksIdAndPhase) {
    const uint64_t v = encode_external_id(123456789, 7);
    EXPECT_EQ(batchscope::cuda::external_id_of(v), 123456789);
    EXPECT_EQ(batchscope::cuda::external_phase_of(v), 7);
}
