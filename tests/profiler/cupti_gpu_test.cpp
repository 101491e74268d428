// Needs a GPU (label gpu): the plugin's CUPTI collector traces real copies, a kernel, a memset
// and the runtime calls, tagged with iteration ids and phases, on the host clock.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "batchscope/profiler/clock.h"
#include "cupti_gpu_workload.h"
#include "plugin_loader.h"

namespace {

constexpr uint8_t kH2D = 1, kCompute = 2, kD2H = 3;  // profiler::Phase
constexpr int kN = 1 << 20;                          // 4 MB of floats
constexpr int kIterations = 5;

#define CHECK_CUDA(call) ASSERT_EQ((call), cudaSuccess) << #call

}  // namespace

TEST(CuptiOnGpu, TracesTaggedCopiesKernelsAndRuntimeCalls) {
    auto plugin = batchscope::test::open_plugin(BS_REAL_PLUGIN);
    ASSERT_TRUE(plugin.api) << plugin.error;
    const BsCuptiCollectorApi* c = plugin.cupti();
    ASSERT_NE(c, nullptr);
    char why[256] = "";
    BsCuptiSession* s = c->start(50, why, sizeof why);
    ASSERT_NE(s, nullptr) << why;

    float *pinned = nullptr, *device = nullptr;
    std::vector<float> pageable(kN, 1.0f);
    CHECK_CUDA(cudaMallocHost(reinterpret_cast<void**>(&pinned), kN * sizeof(float)));
    CHECK_CUDA(cudaMalloc(reinterpret_cast<void**>(&device), kN * sizeof(float)));
    cudaStream_t stream{};
    CHECK_CUDA(cudaStreamCreate(&stream));
    const int64_t t_begin = batchscope::profiler::now_ns();
    for (int it = 0; it < kIterations; ++it) {
        c->push_external_id(s, it, kH2D);
        CHECK_CUDA(cudaMemcpyAsync(device, pinned, kN * sizeof(float), cudaMemcpyHostToDevice, stream));
        c->pop_external_id(s);
        c->push_external_id(s, it, kCompute);
        CHECK_CUDA(bs_test_launch_scale(device, kN, 0.5f, stream));
        c->pop_external_id(s);
        c->push_external_id(s, it, kD2H);
        CHECK_CUDA(cudaMemcpy(pageable.data(), device, kN * sizeof(float), cudaMemcpyDeviceToHost));
        c->pop_external_id(s);
    }
    CHECK_CUDA(cudaMemsetAsync(device, 0, kN * sizeof(float), stream));
    CHECK_CUDA(cudaStreamSynchronize(stream));
    const int64_t t_end = batchscope::profiler::now_ns();

    EXPECT_EQ(c->flush(s, 1), 0);
    std::vector<BsGpuActivity> got;
    BsGpuActivity buf[256];
    for (uint32_t n; (n = c->drain(s, buf, 256)) > 0;) got.insert(got.end(), buf, buf + n);
    BsCuptiStats st{};
    st.struct_size = sizeof st;
    c->stats(s, &st);

    std::map<int, int> per_kind;
    int kernels_tagged = 0, h2d_pinned = 0, d2h_pageable = 0;
    std::string launch_name;
    for (const BsGpuActivity& a : got) {
        ++per_kind[a.kind];
        if (a.kind == BS_GPU_ACTIVITY_KERNEL && a.external_id >= 0 && a.phase == kCompute) {
            ++kernels_tagged;
            EXPECT_GE(a.start_ns, t_begin - 1'000'000) << "kernel mapped onto the host clock";
            EXPECT_LE(a.end_ns, t_end + 1'000'000);
        }
        if (a.kind == BS_GPU_ACTIVITY_MEMCPY && a.copy_kind == BS_GPU_COPY_HTOD && (a.flags & BS_GPU_ACTIVITY_FLAG_PINNED) &&
            a.phase == kH2D)
            ++h2d_pinned;
        if (a.kind == BS_GPU_ACTIVITY_MEMCPY && a.copy_kind == BS_GPU_COPY_DTOH && !(a.flags & BS_GPU_ACTIVITY_FLAG_PINNED))
            ++d2h_pageable;
        if (a.kind == BS_GPU_ACTIVITY_RUNTIME && a.phase == kCompute && launch_name.empty()) {
            char name[128];
            c->name(s, a.name_id, name, sizeof name);
            launch_name = name;
        }
    }
    std::printf("CUPTI: %zu records: kernel %d, memcpy %d, memset %d, runtime %d, sync %d, overhead %d; "
                "dropped %llu, unjoined %llu, bad timestamps %llu, clock slope %.9f offset %lld ns\n",
                got.size(), per_kind[0], per_kind[1], per_kind[2], per_kind[3], per_kind[4], per_kind[5],
                static_cast<unsigned long long>(st.dropped), static_cast<unsigned long long>(st.unjoined),
                static_cast<unsigned long long>(st.bad_timestamps), st.clock_slope,
                static_cast<long long>(st.clock_offset_ns));
    EXPECT_EQ(kernels_tagged, kIterations);
    EXPECT_EQ(h2d_pinned, kIterations);
    EXPECT_EQ(d2h_pageable, kIterations);
    EXPECT_GE(per_kind[BS_GPU_ACTIVITY_MEMSET], 1);
    EXPECT_NE(launch_name.find("cudaLaunchKernel"), std::string::npos) << launch_name;
    EXPECT_EQ(st.dropped, 0u);
    EXPECT_EQ(st.bad_timestamps, 0u);
    c->stop(s);
    cudaFreeHost(pinned);
    cudaFree(device);
    cudaStreamDestroy(stream);
}
