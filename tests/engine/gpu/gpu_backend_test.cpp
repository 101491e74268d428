// GpuBackend's host side without a GPU: why the GPU is unavailable (real plugin, missing
// plugin, old or foreign compute tables), error mapping, and buffer bookkeeping through a fake
// plugin whose "device" memory is host memory.
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/loader/host_memory.h"
#include "collate_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <thread>
#include <vector>

using namespace batchscope::engine;
using testing::HasSubstr;

namespace {

std::string beside_exe(const char* file) {
    return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / file).string();
}

class GpuBackendHost : public testing::Test {
protected:
    void SetUp() override {
        unsetenv("BATCHSCOPE_GPU_PLUGIN");
        setenv("BS_FAKE_COMPUTE", "ok", 1);
        unsetenv("BS_FAKE_DEVICE_BYTES");
    }
    void TearDown() override {
        unsetenv("BS_FAKE_COMPUTE");
        unsetenv("BS_FAKE_DEVICE_BYTES");
    }
    static GpuBackendOptions fake() {
        GpuBackendOptions o;
        o.plugin_path = beside_exe(BS_FAKE_COMPUTE_PLUGIN);
        return o;
    }
    static std::unique_ptr<GpuBackend> open_fake() {
        std::string why;
        auto b = GpuBackend::open(fake(), why);
        EXPECT_TRUE(b) << why;
        return b;
    }
};

TEST(GpuErrorMapping, EveryStatusHasACodeAndWords) {
    EXPECT_EQ(gpu_errc_from_status(BS_GPU_ERR_OUT_OF_MEMORY), GpuErrc::out_of_memory);
    EXPECT_EQ(gpu_errc_from_status(BS_GPU_ERR_NO_DEVICE), GpuErrc::no_device);
    EXPECT_EQ(gpu_errc_from_status(BS_GPU_ERR_INVALID_ARGUMENT), GpuErrc::invalid_argument);
    EXPECT_EQ(gpu_errc_from_status(BS_GPU_ERR_CUDA), GpuErrc::cuda);
    EXPECT_EQ(gpu_errc_from_status(BS_GPU_ERR_CUBLAS), GpuErrc::cublas);
    EXPECT_EQ(gpu_errc_from_status(BS_GPU_ERR_UNSUPPORTED), GpuErrc::unsupported);
    EXPECT_EQ(gpu_errc_from_status(77), GpuErrc::unknown);
    EXPECT_STREQ(to_string(GpuErrc::out_of_memory), "out of memory");
    EXPECT_STREQ(to_string(GpuErrc::unknown), "unknown GPU plugin status");
}

TEST_F(GpuBackendHost, MissingPluginSaysWhy) {
    GpuBackendOptions o;
    o.plugin_path = "/nonexistent/libbatchscope_cuda.so";
    std::string why;
    EXPECT_EQ(GpuBackend::open(o, why), nullptr);
    EXPECT_THAT(why, HasSubstr("/nonexistent/libbatchscope_cuda.so"));
    EXPECT_THAT(why, HasSubstr("does not exist"));
    EXPECT_THAT(why, HasSubstr("running on the CPU"));
}

TEST_F(GpuBackendHost, PluginBuiltBeforeTheComputeTableIsRefused) {
    setenv("BS_FAKE_COMPUTE", "no_table", 1);
    std::string why;
    EXPECT_EQ(GpuBackend::open(fake(), why), nullptr);
    EXPECT_THAT(why, HasSubstr("has no compute backend (it was built before the CUDA backend existed): rebuild it"));
}

TEST_F(GpuBackendHost, ComputeTableOfAnotherVersionIsRefused) {
    setenv("BS_FAKE_COMPUTE", "old_table", 1);
    std::string why;
    EXPECT_EQ(GpuBackend::open(fake(), why), nullptr);
    EXPECT_THAT(why, HasSubstr("has compute table version 2, this program needs version 1"));
    EXPECT_THAT(why, HasSubstr("running on the CPU"));
}

TEST_F(GpuBackendHost, IncompleteComputeTableIsRefused) {
    setenv("BS_FAKE_COMPUTE", "short_table", 1);
    std::string why;
    EXPECT_EQ(GpuBackend::open(fake(), why), nullptr);
    EXPECT_THAT(why, HasSubstr("has an incomplete compute table"));
}

TEST_F(GpuBackendHost, ContextThatCannotStartSaysWhy) {
    setenv("BS_FAKE_COMPUTE", "create_fails", 1);
    std::string why;
    EXPECT_EQ(GpuBackend::open(fake(), why), nullptr);
    EXPECT_THAT(why, HasSubstr("the GPU compute backend could not start (CUDA error): fake: cudaSetDevice failed"));
}

TEST_F(GpuBackendHost, BuffersAreCountedAndFreedByRaii) {
    auto gpu = open_fake();
    ASSERT_TRUE(gpu);
    EXPECT_EQ(gpu->probe().device_name, "Fake GPU (host memory)");
    {
        DeviceBuffer a = gpu->device_floats(1000);
        PinnedBuffer p = gpu->pinned_floats(1000);
        auto s = gpu->memory_stats();
        EXPECT_EQ(s.live_device_buffers, 1u);
        EXPECT_EQ(s.live_pinned_buffers, 1u);
        EXPECT_EQ(s.pool_in_use_bytes, 4000u);
        EXPECT_EQ(s.pinned_bytes, 4000u);
        DeviceBuffer b = std::move(a);  // moved: still one buffer, freed once
        EXPECT_FALSE(a);
        EXPECT_EQ(gpu->memory_stats().live_device_buffers, 1u);
        b.reset();
        EXPECT_EQ(gpu->memory_stats().pool_in_use_bytes, 0u);
    }
    const auto s = gpu->memory_stats();
    EXPECT_EQ(s.live_device_buffers, 0u);
    EXPECT_EQ(s.live_pinned_buffers, 0u);
    EXPECT_EQ(s.pinned_bytes, 0u);
    EXPECT_EQ(s.pool_peak_in_use_bytes, 4000u);
}

TEST_F(GpuBackendHost, CopiesRoundTripThroughTheDevice) {
    auto gpu = open_fake();
    ASSERT_TRUE(gpu);
    PinnedBuffer in = gpu->pinned_floats(64), out = gpu->pinned_floats(64);
    std::iota(in.floats(), in.floats() + 64, 1.f);
    DeviceBuffer d = gpu->device_floats(64);
    GpuEvent copied = gpu->event();
    gpu->copy_h2d(d.data(), in.data(), 64 * sizeof(float), GpuStream::copy);
    gpu->record(copied, GpuStream::copy);
    gpu->wait(GpuStream::compute, copied);
    gpu->copy_d2h(out.data(), d.data(), 64 * sizeof(float), GpuStream::compute);
    gpu->synchronize(GpuStream::compute);
    EXPECT_EQ(std::vector<float>(out.floats(), out.floats() + 64), std::vector<float>(in.floats(), in.floats() + 64));
}

// 8-bit batches converted to float on the device: the fake plugin's EMULATED kernel (the table's
// collate_u8) gives the host collate's bits; a plugin built before it says so.
TEST_F(GpuBackendHost, EightBitBatchesConvertOnTheDeviceToTheHostsBits) {
    setenv("BS_FAKE_COMPUTE", "emulate", 1);
    auto gpu = open_fake();
    ASSERT_TRUE(gpu);
    bs_test::expect_device_collate_matches_host(*gpu);
    gpu.reset();
    setenv("BS_FAKE_GRAPH", "none", 1);  // the table ends before the graphs and the collate
    auto old = open_fake();
    unsetenv("BS_FAKE_GRAPH");
    ASSERT_TRUE(old);
    EXPECT_FALSE(old->device_collate());
    DeviceBuffer d = old->device(64);
    try {
        old->collate_u8(static_cast<const uint8_t*>(d.data()), 1, 16, 1, {1.f, 1.f, 1.f}, {0.f, 0.f, 0.f},
                        static_cast<float*>(d.data()));
        FAIL() << "expected unsupported";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::unsupported);
        EXPECT_THAT(e.what(), HasSubstr("no device collate"));
    }
}

TEST_F(GpuBackendHost, OutOfMemoryIsAnErrorWithTheSizes) {
    setenv("BS_FAKE_DEVICE_BYTES", "4096", 1);
    auto gpu = open_fake();
    ASSERT_TRUE(gpu);
    DeviceBuffer a = gpu->device(3000);
    try {
        (void)gpu->device(2000);
        FAIL() << "expected out of memory";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::out_of_memory);
        EXPECT_THAT(e.what(), HasSubstr("device_alloc: out of GPU memory: asked for 2000 bytes"));
    }
    a.reset();  // the memory is back: the same request now fits
    EXPECT_NO_THROW((void)gpu->device(2000));
}

TEST_F(GpuBackendHost, PluginErrorsBecomeGpuErrorsWithItsMessage) {
    auto gpu = open_fake();
    ASSERT_TRUE(gpu);
    DeviceBuffer d = gpu->device_floats(4);
    try {
        gpu->sgemm(false, false, 1, 1, 1, 1.f, d.floats(), 1, d.floats(), 1, 0.f, d.floats(), 1);
        FAIL() << "the fake has no kernels";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::unsupported);
        EXPECT_STREQ(e.what(), "sgemm: fake plugin: no kernels");
    }
    try {
        gpu->copy_h2d(d.data(), d.data(), 4, static_cast<GpuStream>(7));
        FAIL() << "unknown stream";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::invalid_argument);
        EXPECT_THAT(e.what(), HasSubstr("unknown stream 7"));
    }
}

TEST_F(GpuBackendHost, BuffersMayOutliveTheBackendObject) {
    DeviceBuffer kept;
    {
        auto gpu = open_fake();
        ASSERT_TRUE(gpu);
        kept = gpu->device(128);
    }
    EXPECT_TRUE(kept);
    kept.reset();  // the context went with the last buffer, not with the backend object
}

#ifdef BS_REAL_PLUGIN
// The real plugin's compute table, called directly through the C ABI: complete, of this
// program's version, and safe to call without a context or a GPU.
const BsGpuComputeApi* real_compute_table() {
    void* h = dlopen(beside_exe(BS_REAL_PLUGIN).c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) return nullptr;
    auto entry = reinterpret_cast<BsGpuPluginEntryFn>(dlsym(h, BS_GPU_PLUGIN_ENTRY_SYMBOL));
    const BsGpuPluginApi* api = entry ? entry(BS_GPU_PLUGIN_ABI_VERSION) : nullptr;
    if (!api || !BS_GPU_ABI_HAS_FIELD(BsGpuPluginApi, compute, api->struct_size)) return nullptr;
    return api->compute;
}

TEST(RealComputeTable, IsCompleteAndOfThisVersion) {
    const BsGpuComputeApi* c = real_compute_table();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->abi_version, BS_GPU_COMPUTE_ABI_VERSION);
    EXPECT_EQ(c->struct_size, sizeof(BsGpuComputeApi));
    // Every slot is filled: the table is a run of function pointers after the two sizes.
    const auto* slots = reinterpret_cast<void* const*>(reinterpret_cast<const char*>(c) + offsetof(BsGpuComputeApi, create));
    const size_t n = (sizeof(BsGpuComputeApi) - offsetof(BsGpuComputeApi, create)) / sizeof(void*);
    for (size_t i = 0; i < n; ++i) EXPECT_NE(slots[i], nullptr) << "slot " << i;
}

TEST(RealComputeTable, NullContextAndBadArgumentsAreRefusedNotCrashed) {
    const BsGpuComputeApi* c = real_compute_table();
    ASSERT_NE(c, nullptr);
    void* p = nullptr;
    EXPECT_EQ(c->device_alloc(nullptr, 16, &p), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c->sgemm(nullptr, 0, 0, 1, 1, 1, 1.f, nullptr, 1, nullptr, 1, 0.f, nullptr, 1), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c->last_error(nullptr, nullptr, 0), 0u);
    BsGpuGraph* g = reinterpret_cast<BsGpuGraph*>(1);  // the graph functions too, before touching CUDA
    EXPECT_EQ(c->graph_begin_capture(nullptr, BS_GPU_STREAM_COMPUTE), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c->graph_end_capture(nullptr, BS_GPU_STREAM_COMPUTE, &g), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c->graph_launch(nullptr, g, BS_GPU_STREAM_COMPUTE), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c->graph_destroy(nullptr, g), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(c->collate_u8(nullptr, nullptr, 1, 1, 1, BsGpuCollate{}, nullptr), BS_GPU_ERR_INVALID_ARGUMENT);
    c->destroy(nullptr);
    BsGpuContext* ctx = reinterpret_cast<BsGpuContext*>(1);
    char why[256] = "unchanged";
    EXPECT_EQ(c->create(nullptr, &ctx, why, sizeof why), BS_GPU_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_THAT(why, HasSubstr("must not be null"));
    BsGpuComputeOptions small{};
    small.struct_size = 8;  // a caller from an older program with a smaller struct
    EXPECT_EQ(c->create(&small, &ctx, why, sizeof why), BS_GPU_ERR_UNSUPPORTED);
    EXPECT_THAT(why, HasSubstr("options struct too small"));
}

TEST(RealComputeTable, WithoutAGpuCreateSaysNoDevice) {
    const BsGpuComputeApi* c = real_compute_table();
    ASSERT_NE(c, nullptr);
    BsGpuComputeOptions o{};
    o.struct_size = sizeof o;
    BsGpuContext* ctx = nullptr;
    char why[256] = "";
    const int32_t st = c->create(&o, &ctx, why, sizeof why);
    if (st == BS_GPU_OK) {
        c->destroy(ctx);
        GTEST_SKIP() << "a GPU is usable here";
    }
    EXPECT_EQ(st, BS_GPU_ERR_NO_DEVICE);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_THAT(why, HasSubstr("no usable GPU: cudaError"));
}

// The real plugin on this machine: it loads, its compute table matches, and without a GPU the
// backend says why (the driver or the device is missing) instead of failing later.
TEST_F(GpuBackendHost, RealPluginOffersTheComputeTableAndExplainsAMissingGpu) {
    GpuBackendOptions o;
    o.plugin_path = beside_exe(BS_REAL_PLUGIN);
    std::string why;
    auto gpu = GpuBackend::open(o, why);
    if (gpu) GTEST_SKIP() << "a GPU is usable here: " << gpu->probe().summary();
    EXPECT_THAT(why, testing::AnyOf(HasSubstr("driver"), HasSubstr("no NVIDIA GPU"), HasSubstr("reports no GPU")));
    EXPECT_THAT(why, HasSubstr("running on the CPU"));
    EXPECT_THAT(why, testing::Not(HasSubstr("compute table")));  // the table itself was accepted
}
#endif

}  // namespace

// The loader's page-locked memory: its blocks are the plugin's page-locked host memory (so the
// copies from a batch run asynchronously, no staging), 64-byte aligned as HostAllocator assumes,
// freed when given back; the loader's workers allocate and free from their threads while the
// trainer queues copies on its own.
TEST_F(GpuBackendHost, PageLockedBatchBuffersAreThePluginsPageLockedMemory) {
    auto gpu = open_fake();
    ASSERT_TRUE(gpu);
    const std::unique_ptr<HostMemory> mem = page_locked_memory(*gpu);
    EXPECT_STREQ(mem->kind(), "page-locked");
    const uint64_t before = gpu->memory_stats().pinned_bytes;
    {
        Batch b(mem.get());
        b.x.resize(1000);
        b.pixels.resize(3000);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(b.x.data()) % 64, 0u);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(b.pixels.data()) % 64, kPixelBufferOffset);
        EXPECT_GE(gpu->memory_stats().pinned_bytes, before + 4000 + 3000);
        EXPECT_EQ(gpu->memory_stats().live_pinned_buffers, 2u);  // x and pixels (y was never grown)
    }
    EXPECT_EQ(gpu->memory_stats().pinned_bytes, before);
    EXPECT_EQ(gpu->memory_stats().live_pinned_buffers, 0u);
    // Four "workers" grow and free buffers while this thread copies from one of them.
    DeviceBuffer d = gpu->device(4096);
    Batch mine(mem.get());
    mine.x.assign(1024, 1.f);
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w)
        workers.emplace_back([&mem, w] {
            for (int i = 0; i < 200; ++i) {
                Batch b(mem.get());
                b.x.resize(static_cast<size_t>(64 + (i * 7 + w) % 512));
                b.x[0] = static_cast<float>(i);
            }
        });
    for (int i = 0; i < 200; ++i) gpu->copy_h2d(d.data(), mine.x.data(), 4096, GpuStream::copy);
    for (std::thread& t : workers) t.join();
    gpu->synchronize(GpuStream::copy);
    EXPECT_EQ(gpu->memory_stats().live_pinned_buffers, 1u);  // `mine`'s
}
