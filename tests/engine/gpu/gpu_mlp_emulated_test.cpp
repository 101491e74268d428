// GpuMlp's calls checked WITHOUT a GPU: the fake plugin in `emulate` mode runs the compute table
// on the host (fake_compute_kernels.h). This checks the GEMM shapes, strides and transpositions,
// the buffer layout, the slot pipeline and the SGD update GpuMlp asks for, against the CPU Mlp.
// It says nothing about the CUDA kernels themselves (gpu_compute_gpu_test does, on a GPU).
#include "batchscope/engine/data/augment.h"
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"
#include "cpu_reference.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

using namespace batchscope::engine;

namespace {

std::unique_ptr<GpuBackend> open_emulated(const char* device_bytes = "100000000") {
    setenv("BS_FAKE_COMPUTE", "emulate", 1);
    setenv("BS_FAKE_DEVICE_BYTES", device_bytes, 1);
    GpuBackendOptions o;
    o.plugin_path =
        (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).string();
    std::string why;
    auto b = GpuBackend::open(o, why);
    EXPECT_TRUE(b) << why;
    return b;
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(0.f, 1.f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

TEST(GpuMlpEmulated, StepsMatchTheCpuModel) {
    auto gpu = open_emulated();
    ASSERT_TRUE(gpu);
    const std::vector<int> widths{20, 16, 12, 5};  // small: the emulated GEMM is naive
    const int b = 9;
    Mlp cpu(widths, 3);
    const Mlp before = cpu;
    GpuMlp g(*gpu, widths, 16);
    g.load_from(cpu);
    std::mt19937 rng(5);
    for (int s = 0; s < 4; ++s) {
        const int rows = s == 3 ? 4 : b;  // a short last batch too
        const auto x = random_floats(static_cast<size_t>(rows) * widths[0], 10 + s);
        std::vector<int32_t> y(rows);
        for (auto& v : y) v = static_cast<int32_t>(rng() % 5);
        const float lc = cpu.train_step(x.data(), y.data(), rows, 0.1f, 0.9f);
        const float lg = g.train_step(x.data(), y.data(), rows, 0.1f, 0.9f);
        EXPECT_NEAR(lg, lc, 1e-5f * std::abs(lc)) << "step " << s;
    }
    for (size_t l = 0; l < cpu.layer_count(); ++l) {
        std::vector<float> w, bias;
        g.read_layer(l, w, bias);
        std::vector<double> dw(w.size()), db(bias.size());
        std::vector<float> gw(w.size()), gb(bias.size());
        for (size_t i = 0; i < w.size(); ++i) {
            dw[i] = static_cast<double>(cpu.layer_weights(l)[i]) - before.layer_weights(l)[i];
            gw[i] = w[i] - before.layer_weights(l)[i];
        }
        for (size_t i = 0; i < bias.size(); ++i) {
            db[i] = static_cast<double>(cpu.layer_biases(l)[i]) - before.layer_biases(l)[i];
            gb[i] = bias[i] - before.layer_biases(l)[i];
        }
        EXPECT_LE(batchscope::test::rel_error(gw, dw), 1e-4) << "layer " << l << " weights";
        EXPECT_LE(batchscope::test::rel_error(gb, db), 1e-4) << "layer " << l << " biases";
    }
}

TEST(GpuMlpEmulated, SlotsAlternateAndBatchLimitsAreChecked) {
    auto gpu = open_emulated();
    ASSERT_TRUE(gpu);
    GpuMlp g(*gpu, {4, 3, 2}, 8);
    const std::vector<float> x(8 * 4, 0.5f);
    const std::vector<int32_t> y(8, 1);
    const int a = g.stage(x.data(), y.data(), 8);
    const int b = g.stage(x.data(), y.data(), 3);
    EXPECT_NE(a, b);
    EXPECT_EQ(g.stage(x.data(), y.data(), 1), a);
    EXPECT_THROW(g.stage(x.data(), y.data(), 9), std::invalid_argument);
    EXPECT_THROW(g.stage(x.data(), y.data(), 0), std::invalid_argument);
    g.step(b, 0.1f, 0.f);
    EXPECT_TRUE(std::isfinite(g.loss(b)));
    EXPECT_GE(g.count_correct(a), 0);
    EXPECT_LE(g.count_correct(a), 1);
}

TEST(GpuMlpEmulated, StagingFromPinnedMemoryTrainsTheSame) {
    auto gpu = open_emulated();
    ASSERT_TRUE(gpu);
    const std::vector<int> widths{6, 5, 3};
    Mlp init(widths, 9);
    GpuMlp a(*gpu, widths, 4), b(*gpu, widths, 4);
    a.load_from(init);
    b.load_from(init);
    PinnedBuffer x = gpu->pinned_floats(4 * 6), y = gpu->pinned(4 * sizeof(int32_t));
    for (int step = 0; step < 3; ++step) {
        for (int i = 0; i < 24; ++i) x.floats()[i] = static_cast<float>((i * 7 + step) % 11) / 11.f;
        for (int i = 0; i < 4; ++i) y.ints()[i] = (i + step) % 3;
        const float la = a.train_step(x.floats(), y.ints(), 4, 0.1f, 0.9f);
        const int slot = b.stage_pinned(x.floats(), y.ints(), 4);
        b.step(slot, 0.1f, 0.9f);
        EXPECT_EQ(b.loss(slot), la) << "step " << step;
    }
}

// An 8-bit batch staged as bytes (page-locked or through the slot) and converted on the device
// trains exactly as the same batch converted on the host by the loader's Collator.
TEST(GpuMlpEmulated, EightBitStagingTrainsLikeTheHostsFloats) {
    auto gpu = open_emulated();
    ASSERT_TRUE(gpu);
    const std::vector<int> widths{12, 5, 3};  // 2 x 2 RGB
    data::AugmentOptions o;
    o.normalize = true;
    o.mean = {0.3f, 0.4f, 0.5f};
    o.stddev = {0.2f, 0.25f, 0.3f};
    const data::Collator collate(o, 3);
    Mlp init(widths, 9);
    GpuMlp host(*gpu, widths, 4), pinned(*gpu, widths, 4), copied(*gpu, widths, 4);
    for (GpuMlp* m : {&host, &pinned, &copied}) m->load_from(init);
    PinnedBuffer px = gpu->pinned(4 * 12), py = gpu->pinned(4 * sizeof(int32_t));
    for (int step = 0; step < 3; ++step) {
        std::vector<uint8_t> pixels(4 * 12);
        for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 53 + step * 17) % 256);
        std::vector<int32_t> y(4);
        for (int i = 0; i < 4; ++i) y[i] = (i + step) % 3;
        std::vector<float> x(4 * 12);
        for (int r = 0; r < 4; ++r) collate(pixels.data() + r * 12, data::ImageShape{2, 2, 3}, x.data() + r * 12);
        const float want = host.train_step(x.data(), y.data(), 4, 0.1f, 0.9f);
        std::memcpy(px.data(), pixels.data(), pixels.size());
        std::memcpy(py.data(), y.data(), 16);
        int slot = pinned.stage_u8(static_cast<const uint8_t*>(px.data()), py.ints(), 4, 3, collate.scale(), collate.bias(), true);
        pinned.step(slot, 0.1f, 0.9f);
        EXPECT_EQ(pinned.loss(slot), want) << "step " << step;
        slot = copied.stage_u8(pixels.data(), y.data(), 4, 3, collate.scale(), collate.bias(), false);
        copied.step(slot, 0.1f, 0.9f);
        EXPECT_EQ(copied.loss(slot), want) << "step " << step;
    }
    EXPECT_THROW(pinned.stage_u8(static_cast<const uint8_t*>(px.data()), py.ints(), 4, 2, collate.scale(),
                                 collate.bias(), true),
                 std::invalid_argument);  // an image has 1 or 3 channels
}

TEST(GpuMlpEmulated, TooSmallADeviceIsAnOutOfMemoryErrorAndLeaksNothing) {
    auto gpu = open_emulated("100000");  // 100 kB: the weights of 784-256-128-10 alone need 0.9 MB
    ASSERT_TRUE(gpu);
    try {
        GpuMlp g(*gpu, {784, 256, 128, 10}, 16);
        FAIL() << "the model fitted in 100 kB";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::out_of_memory);
        EXPECT_NE(std::string(e.what()).find("out of GPU memory"), std::string::npos) << e.what();
    }
    const auto s = gpu->memory_stats();
    EXPECT_EQ(s.live_device_buffers, 0u);  // what the half-built model had taken went back
    EXPECT_EQ(s.pool_in_use_bytes, 0u);
    EXPECT_EQ(s.live_pinned_buffers, 0u);
}

}  // namespace

// A batch larger than the device buffers (a live batch-size increase) moves the tuned GPU MLP to
// larger buffers; its SGD momentum moves with it, as the CPU model keeps its own: the two models
// stay equal step by step (the momentum restarting would change every later update).
TEST(GpuMlpEmulated, LargerBuffersKeepTheMomentum) {
    auto gpu = open_emulated();
    ASSERT_TRUE(gpu);
    namespace m = batchscope::engine::model;
    const m::ModelSpec spec = m::parse_model_spec("mlp:16,12");
    const m::OptimizerConfig opt;  // SGD, momentum 0.9
    const m::Shape in{1, 4, 5};    // 20 inputs
    auto cpu = m::make_model(spec, in, 5, opt, 3, 1);
    auto dev = m::make_gpu_training_model(std::move(gpu), spec, in, 5, opt, 3, /*batch=*/8);
    ASSERT_TRUE(dev->gpu_backend());
    std::mt19937 rng(11);
    int step = 0;
    for (const int rows : {8, 8, 20, 20, 20}) {  // the third step needs larger buffers
        const auto x = random_floats(static_cast<size_t>(rows) * 20, 40 + step);
        std::vector<int32_t> y(rows);
        for (auto& v : y) v = static_cast<int32_t>(rng() % 5);
        const float lc = cpu->train_step(x.data(), y.data(), rows, 0.1f);
        const float lg = dev->train_step(x.data(), y.data(), rows, 0.1f);
        EXPECT_NEAR(lg, lc, 1e-4f * std::abs(lc)) << "step " << step;
        ++step;
    }
    const auto pc = cpu->parameters(), pg = dev->parameters();
    ASSERT_EQ(pc.size(), pg.size());
    for (size_t i = 0; i < pc.size(); ++i) {
        std::vector<double> want(pc[i].values.begin(), pc[i].values.end());
        std::vector<float> got(pg[i].values.begin(), pg[i].values.end());
        EXPECT_LE(batchscope::test::rel_error(got, want), 1e-4) << "parameter " << i;
    }
}
