// The fake plugin's strict mode (BS_FAKE_STRICT, fake_strict.h: EMULATED asynchronous streams)
// catches the classes of GPU bug a synchronous fake hides: a host buffer reused before its upload
// ran, device memory freed while a stream still uses it, an event read before it completed, a
// synchronisation inside a graph capture, a CUPTI flush that does not wait for the work whose
// records it wants, a kernel launched through an API kind CUPTI does not record (no iteration
// id), a GEMM whose operands leave their allocation. Each test makes the mistake on purpose and
// checks that it is caught, and that the correct order passes.
#include "batchscope/engine/data/augment.h"
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/engine/plugin_cupti_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

using namespace batchscope::engine;
using batchscope::profiler::GpuActivity;
using batchscope::profiler::GpuActivityKind;
using batchscope::profiler::Phase;
using testing::HasSubstr;

namespace {

class StrictFake : public testing::Test {
protected:
    void SetUp() override {
        unsetenv("BATCHSCOPE_GPU_PLUGIN");
        setenv("BS_FAKE_COMPUTE", "emulate", 1);
        setenv("BS_FAKE_DEVICE_BYTES", "100000000", 1);
        setenv("BS_FAKE_STRICT", "7", 1);
        setenv("BS_FAKE_STRICT_DELAY_US", "20000", 1);  // every piece of work may wait up to 20 ms
    }
    void TearDown() override {
        for (const char* v : {"BS_FAKE_COMPUTE", "BS_FAKE_DEVICE_BYTES", "BS_FAKE_STRICT", "BS_FAKE_STRICT_DELAY_US",
                              "BS_FAKE_CUPTI", "BS_FAKE_CUPTI_KINDS"})
            unsetenv(v);
    }
    static std::unique_ptr<GpuBackend> open() {
        GpuBackendOptions o;
        o.plugin_path = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).string();
        std::string why;
        auto b = GpuBackend::open(o, why);
        EXPECT_TRUE(b) << why;
        return b;
    }
};

// Ten fills after a long first one, so that work is certainly still queued when the host goes on.
void queue_slow_work(GpuBackend& gpu, DeviceBuffer& d, size_t n) {
    for (int i = 0; i < 10; ++i) gpu.fill(d.floats(), n, static_cast<float>(i));
}

}  // namespace

TEST_F(StrictFake, HostBufferReusedBeforeItsUploadRanIsCaught) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    constexpr size_t n = 4096;
    DeviceBuffer d = gpu->device_floats(n);
    PinnedBuffer host = gpu->pinned_floats(n);
    std::fill(host.floats(), host.floats() + n, 1.f);
    // Correct: the host waits for the copy (an event after it) before writing the buffer again.
    GpuEvent copied = gpu->event();
    queue_slow_work(*gpu, d, n);
    gpu->copy_h2d(d.data(), host.data(), n * sizeof(float), GpuStream::compute);
    gpu->record(copied, GpuStream::compute);
    gpu->synchronize(copied);
    std::fill(host.floats(), host.floats() + n, 2.f);
    gpu->synchronize(GpuStream::compute);
    // Wrong: written again while the upload is still queued behind slow work.
    queue_slow_work(*gpu, d, n);
    gpu->copy_h2d(d.data(), host.data(), n * sizeof(float), GpuStream::compute);
    std::fill(host.floats(), host.floats() + n, 3.f);
    try {
        gpu->synchronize(GpuStream::compute);
        FAIL() << "the reuse was not caught";
    } catch (const GpuError& e) {
        EXPECT_THAT(e.what(), HasSubstr("changed before the upload that reads it ran"));
    }
}

TEST_F(StrictFake, DeviceMemoryFreedWhileAStreamUsesItIsCaught) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    constexpr size_t n = 4096;
    DeviceBuffer keep = gpu->device_floats(n);
    {
        DeviceBuffer d = gpu->device_floats(n);
        queue_slow_work(*gpu, keep, n);
        gpu->fill(d.floats(), n, 1.f);  // on the compute stream, where the pool's next user is ordered after it
    }
    gpu->fill(keep.floats(), n, 0.f);  // the context is fine
    {
        GpuEvent slow = gpu->event();
        PinnedBuffer host = gpu->pinned_floats(n);  // freed after `d` (cudaFreeHost waits for the device)
        DeviceBuffer d = gpu->device_floats(n);
        queue_slow_work(*gpu, keep, n);
        gpu->record(slow, GpuStream::compute);
        gpu->wait(GpuStream::copy, slow);
        gpu->copy_h2d(d.data(), host.data(), n * sizeof(float), GpuStream::copy);
        gpu->synchronize(GpuStream::copy);  // correct: the copy stream is done with it
    }
    gpu->fill(keep.floats(), n, 0.f);
    {
        GpuEvent slow = gpu->event();
        PinnedBuffer host = gpu->pinned_floats(n);  // freed after `d` (cudaFreeHost waits for the device)
        DeviceBuffer d = gpu->device_floats(n);
        queue_slow_work(*gpu, keep, n);
        gpu->record(slow, GpuStream::compute);
        gpu->wait(GpuStream::copy, slow);
        gpu->copy_h2d(d.data(), host.data(), n * sizeof(float), GpuStream::copy);
    }  // wrong: `d` freed (back in the pool, handed out again) while the copy into it is still queued
    EXPECT_THROW(
        {
            try {
                gpu->synchronize(GpuStream::compute);
            } catch (const GpuError& e) {
                EXPECT_THAT(e.what(), HasSubstr("freed while the copy stream still uses it"));
                throw;
            }
        },
        GpuError);
}

TEST_F(StrictFake, PinnedReadBackIsNotThereBeforeItsCopyCompleted) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    constexpr size_t n = 1024;
    DeviceBuffer d = gpu->device_floats(n);
    PinnedBuffer host = gpu->pinned_floats(n);
    queue_slow_work(*gpu, d, n);
    gpu->copy_d2h(host.data(), d.data(), n * sizeof(float), GpuStream::compute);
    EXPECT_TRUE(std::isnan(host.floats()[0]));  // read too early: not the value, not the old contents
    gpu->synchronize(GpuStream::compute);
    EXPECT_EQ(host.floats()[0], 9.f);  // the last fill's value
}

TEST_F(StrictFake, EventsKeepRealTimesAndAreNotReadBeforeTheyComplete) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    constexpr size_t n = 1024;
    DeviceBuffer d = gpu->device_floats(n);
    GpuEvent a = gpu->event(), b = gpu->event(), copy_done = gpu->event();
    gpu->record(a, GpuStream::compute);
    queue_slow_work(*gpu, d, n);
    gpu->record(b, GpuStream::compute);
    EXPECT_THROW(gpu->elapsed_ms(a, b), GpuError);  // cudaErrorNotReady: b has not completed
    gpu->synchronize(b);
    EXPECT_GT(gpu->elapsed_ms(a, b), 0.f);  // the emulated work took time on the stream
    // A wait orders the copy stream after the compute stream's event: the copy reads the last fill.
    queue_slow_work(*gpu, d, n);
    gpu->record(b, GpuStream::compute);
    gpu->wait(GpuStream::copy, b);
    PinnedBuffer host = gpu->pinned_floats(n);
    gpu->copy_d2h(host.data(), d.data(), n * sizeof(float), GpuStream::copy);
    gpu->record(copy_done, GpuStream::copy);
    gpu->synchronize(copy_done);
    EXPECT_EQ(host.floats()[n - 1], 9.f);
}

TEST_F(StrictFake, SynchronizeInsideACaptureFailsTheCapture) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    ASSERT_TRUE(gpu->graphs());
    DeviceBuffer d = gpu->device_floats(256);
    gpu->begin_capture(GpuStream::compute);
    gpu->fill(d.floats(), 256, 1.f);
    EXPECT_THROW(gpu->synchronize(GpuStream::compute), GpuError);  // as cudaStreamSynchronize fails
    try {
        gpu->end_capture(GpuStream::compute);
        FAIL() << "the capture was not invalidated";
    } catch (const GpuError& e) {
        EXPECT_THAT(e.what(), HasSubstr("cudaStreamSynchronize during the capture"));
    }
    // Allocating inside a capture fails it too; a capture without either succeeds.
    gpu->begin_capture(GpuStream::compute);
    EXPECT_THROW(gpu->device_floats(16), GpuError);
    EXPECT_THROW(gpu->end_capture(GpuStream::compute), GpuError);
    gpu->begin_capture(GpuStream::compute);
    gpu->fill(d.floats(), 256, 2.f);
    GpuGraph g = gpu->end_capture(GpuStream::compute);
    gpu->launch(g, GpuStream::compute);
    gpu->synchronize(GpuStream::compute);
}

// CUPTI writes a work's record once the work has run: a forced flush while it is still queued
// hands over the buffers without it (the record comes in a later one, after its iteration was
// given out). Waiting for the stream first (as GpuRunTrace's forced poll does) gets it.
TEST_F(StrictFake, AForcedFlushGetsInFlightRecordsOnlyAfterTheStreamsAreDone) {
    setenv("BS_FAKE_CUPTI", "on", 1);
    auto gpu = open();
    ASSERT_TRUE(gpu);
    PluginCuptiCollector cupti(gpu->cupti_api(), 10);
    std::string why;
    ASSERT_TRUE(cupti.start(why)) << why;
    gpu->attach_cupti(&cupti);
    constexpr size_t n = 1024;
    DeviceBuffer d = gpu->device_floats(n);
    auto tagged_fills = [&](int64_t id) {
        gpu->set_work_id(id);
        const GpuBackend::Tag tag(*gpu, Phase::Compute);
        queue_slow_work(*gpu, d, n);
        gpu->set_work_id(-1);
    };
    auto count = [](const std::vector<GpuActivity>& v, int64_t id) {
        return std::count_if(v.begin(), v.end(), [id](const GpuActivity& a) { return a.id == id; });
    };
    std::vector<GpuActivity> got;
    tagged_fills(1);
    ASSERT_EQ(cupti.flush(true), 0);  // wrong: the fills are still queued
    cupti.drain(got);
    EXPECT_LT(count(got, 1), 10);
    gpu->synchronize(GpuStream::compute);
    got.clear();
    tagged_fills(2);
    gpu->synchronize(GpuStream::compute);  // right: the streams first
    ASSERT_EQ(cupti.flush(true), 0);
    cupti.drain(got);
    EXPECT_EQ(count(got, 2), 10);
    gpu->attach_cupti(nullptr);
}

// cuBLAS launches through the driver API; the fake's GEMM does too. With only the runtime API
// kind enabled (the plugin's CUPTI session before it enabled DRIVER) the GEMM's record has no
// iteration id while a fill launched beside it has one; with both kinds both have it.
TEST_F(StrictFake, AGemmLaunchedThroughTheDriverHasNoIdUnlessTheDriverKindIsEnabled) {
    setenv("BS_FAKE_CUPTI", "on", 1);
    for (const char* kinds : {"runtime", "runtime,driver"}) {
        SCOPED_TRACE(kinds);
        setenv("BS_FAKE_CUPTI_KINDS", kinds, 1);
        auto gpu = open();
        ASSERT_TRUE(gpu);
        PluginCuptiCollector cupti(gpu->cupti_api(), 10);
        std::string why;
        ASSERT_TRUE(cupti.start(why)) << why;
        gpu->attach_cupti(&cupti);
        constexpr int m = 8;
        DeviceBuffer a = gpu->device_floats(m * m), c = gpu->device_floats(m * m);
        gpu->fill(a.floats(), m * m, 1.f);
        gpu->set_work_id(5);
        {
            const GpuBackend::Tag tag(*gpu, Phase::Compute);
            gpu->sgemm(false, false, m, m, m, 1.f, a.floats(), m, a.floats(), m, 0.f, c.floats(), m);
            gpu->fill(a.floats(), m * m, 2.f);
        }
        gpu->set_work_id(-1);
        gpu->synchronize(GpuStream::compute);
        ASSERT_EQ(cupti.flush(true), 0);
        std::vector<GpuActivity> got;
        cupti.drain(got);
        gpu->attach_cupti(nullptr);
        int64_t gemm_id = -2, fill_id = -2;
        for (const GpuActivity& r : got) {
            if (r.kind != GpuActivityKind::Kernel) continue;
            if (r.name == "fake_sgemm") gemm_id = r.id;
            if (r.name == "fake_fill" && r.id >= 0) fill_id = r.id;
        }
        EXPECT_EQ(fill_id, 5);
        EXPECT_EQ(gemm_id, std::string(kinds) == "runtime" ? -1 : 5);
    }
}

TEST_F(StrictFake, AGemmWhoseOperandsLeaveTheirAllocationIsRefused) {
    auto gpu = open();
    ASSERT_TRUE(gpu);
    constexpr int m = 16;
    DeviceBuffer a = gpu->device_floats(m * m), c = gpu->device_floats(m * m - 1);  // C one float short
    try {
        gpu->sgemm(false, false, m, m, m, 1.f, a.floats(), m, a.floats(), m, 0.f, c.floats(), m);
        FAIL() << "not refused";
    } catch (const GpuError& e) {
        EXPECT_THAT(e.what(), HasSubstr("sgemm C"));
    }
    DeviceBuffer ok = gpu->device_floats(m * m);
    gpu->sgemm(false, false, m, m, m, 1.f, a.floats(), m, a.floats(), m, 0.f, ok.floats(), m);
    gpu->synchronize(GpuStream::compute);
}

// NextBatchCopyOverlapsThisBatchCompute (gpu_compute_gpu_test, on a GPU) under the strict fake, the
// pipeline driven as the training loop now drives it: each batch uploaded straight from its own
// page-locked buffer (floats, and 8-bit pixels converted on the device), a buffer rewritten only
// once the step that read it is done. Events note when their stream reached them: the next batch's
// copy runs while this batch computes, no step starts before its batch has arrived, and the fake
// finds no buffer rewritten under a running upload.
TEST_F(StrictFake, NextBatchCopyOverlapsThisBatchComputeFromPageLockedBatches) {
    setenv("BS_FAKE_STRICT_DELAY_US", "300", 1);
    auto gpu = open();
    ASSERT_TRUE(gpu);
    const std::vector<int> widths{48, 32, 10};  // 4 x 4 RGB
    const int b = 64;
    GpuMlp g(*gpu, widths, b);
    g.load_from(Mlp(widths, 1));
    const data::Collator collate(data::AugmentOptions{}, 3);
    for (const bool u8 : {false, true}) {
        SCOPED_TRACE(u8 ? "8-bit batches" : "float batches");
        const size_t x_bytes = static_cast<size_t>(b) * 48 * (u8 ? 1 : 4);
        std::array<PinnedBuffer, 2> x, y;
        for (int i = 0; i < 2; ++i) {
            x[i] = gpu->pinned(x_bytes);
            y[i] = gpu->pinned(b * sizeof(int32_t));
        }
        auto fill = [&](int i, int it) {
            for (size_t k = 0; k < static_cast<size_t>(b) * 48; ++k) {
                const int v = static_cast<int>((k * 31 + static_cast<size_t>(it) * 7) % 256);
                if (u8) static_cast<uint8_t*>(x[i].data())[k] = static_cast<uint8_t>(v);
                else x[i].floats()[k] = static_cast<float>(v) / 255.f;
            }
            for (int r = 0; r < b; ++r) y[i].ints()[r] = (r + it) % 10;
        };
        auto stage = [&](int i) {
            return u8 ? g.stage_u8(static_cast<const uint8_t*>(x[i].data()), y[i].ints(), b, 3, collate.scale(),
                                   collate.bias(), true)
                      : g.stage_pinned(x[i].floats(), y[i].ints(), b);
        };
        int buf = 0;
        fill(buf, 0);
        int slot = stage(buf);
        double best_overlap_ms = 0;
        for (int it = 0; it < 8; ++it) {
            g.step(slot, 0.01f, 0.9f);
            fill(1 - buf, it + 1);  // the other buffer: the step that read it is done
            const int next = stage(1 - buf);
            EXPECT_TRUE(std::isfinite(g.loss(slot)));
            gpu->synchronize(g.copy_done(next));
            const float copy_begin = gpu->elapsed_ms(g.compute_start(slot), g.copy_start(next));
            const float copy_end = gpu->elapsed_ms(g.compute_start(slot), g.copy_done(next));
            const float compute_end = gpu->elapsed_ms(g.compute_start(slot), g.compute_done(slot));
            EXPECT_GE(gpu->elapsed_ms(g.copy_done(slot), g.compute_start(slot)), 0.f)
                << "a step started before its batch had arrived";
            best_overlap_ms = std::max<double>(best_overlap_ms, std::min(copy_end, compute_end) - std::max(copy_begin, 0.f));
            slot = next;
            buf = 1 - buf;
        }
        g.step(slot, 0.01f, 0.9f);
        EXPECT_TRUE(std::isfinite(g.loss(slot)));
        EXPECT_GT(best_overlap_ms, 0.0) << "the copy stream never ran beside the compute stream";
    }
}
