// Needs a GPU (label gpu): the kernels of a cuBLAS GEMM launched through the compute backend
// (cuBLAS launches through the driver API) carry the iteration id they were launched under, so
// that a training run's breakdown counts them. Fails when any GEMM kernel of a tagged iteration
// arrives without its id (the CUPTI session did not record the API kind cuBLAS launches through).
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/plugin_cupti_collector.h"
#include "batchscope/profiler/clock.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <vector>

using namespace batchscope::engine;

TEST(CuptiGemmOnGpu, CublasKernelsCarryTheirIterationId) {
    std::string why;
    std::unique_ptr<GpuBackend> gpu = GpuBackend::open({}, why);
    ASSERT_NE(gpu, nullptr) << "GPU backend unavailable: " << why;
    PluginCuptiCollector collector(gpu->cupti_api(), 50);
    if (!collector.start(why)) GTEST_SKIP() << "CUPTI unavailable: " << why;
    gpu->attach_cupti(&collector);

    constexpr int n = 512, iterations = 4;
    DeviceBuffer a = gpu->device_floats(n * n), b = gpu->device_floats(n * n), c = gpu->device_floats(n * n);
    gpu->fill(a.floats(), n * n, 1.f);
    gpu->fill(b.floats(), n * n, 0.5f);
    gpu->sgemm(false, false, n, n, n, 1.f, a.floats(), n, b.floats(), n, 0.f, c.floats(), n);  // cuBLAS sets up
    gpu->synchronize(GpuStream::compute);
    const int64_t t_begin = batchscope::profiler::now_ns();
    for (int it = 0; it < iterations; ++it) {
        gpu->set_work_id(it);
        const GpuBackend::Tag tag(*gpu, batchscope::profiler::Phase::Compute);
        gpu->sgemm(false, true, n, n, n, 1.f, a.floats(), n, b.floats(), n, 0.f, c.floats(), n);
    }
    gpu->set_work_id(-1);
    gpu->synchronize(GpuStream::compute);
    const int64_t t_end = batchscope::profiler::now_ns();
    ASSERT_EQ(collector.flush(true), 0);
    std::vector<batchscope::profiler::GpuActivity> got;
    collector.drain(got);
    gpu->attach_cupti(nullptr);

    std::map<int64_t, int> kernels_of;  // iteration id (-1: none) -> kernels
    for (const auto& r : got) {
        if (r.kind != batchscope::profiler::GpuActivityKind::Kernel) continue;
        if (r.start_ns < t_begin - 1'000'000 || r.end_ns > t_end + 1'000'000) continue;  // the set-up GEMM
        ++kernels_of[r.id];
        if (r.id < 0) ADD_FAILURE() << "GEMM kernel " << r.name << " has no iteration id";
    }
    std::printf("[ cupti    ] GEMM kernels by iteration id:");
    for (const auto& [id, k] : kernels_of) std::printf(" %lld:%d", static_cast<long long>(id), k);
    std::printf("; records %zu\n", got.size());
    for (int it = 0; it < iterations; ++it) EXPECT_GE(kernels_of[it], 1) << "iteration " << it << " has no GEMM kernel";
    EXPECT_EQ(kernels_of.count(-1), 0u);
}
