// Pipelined training steps (Model::stage / launch / finish) checked WITHOUT a GPU: the fake plugin
// in `emulate` mode runs the compute table on the host (EMULATED). A pipelined sequence (batch
// k+1 staged while step k is launched) must give bit-identical losses and parameters to the same
// steps taken one train_step at a time, on both GPU paths (the tuned MLP and the layer stack),
// including a larger batch staged while a step is under way (the buffers regrow mid-pipeline).
// The order of the device work in a whole run: gpu_training_cupti_emulated_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"

using namespace batchscope::engine;
namespace em = batchscope::engine::model;

namespace {

std::unique_ptr<GpuBackend> open_emulated() {
    setenv("BS_FAKE_COMPUTE", "emulate", 1);
    setenv("BS_FAKE_DEVICE_BYTES", "100000000", 1);
    GpuBackendOptions o;
    o.plugin_path = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).string();
    std::string why;
    auto b = GpuBackend::open(o, why);
    EXPECT_TRUE(b) << why;
    return b;
}

struct Batch {
    std::vector<float> x;
    std::vector<int32_t> y;
    int b;
};

std::vector<Batch> batches(const std::vector<int>& sizes, size_t features, int classes) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::vector<Batch> r;
    for (int b : sizes) {
        Batch t{std::vector<float>(static_cast<size_t>(b) * features), std::vector<int32_t>(static_cast<size_t>(b)), b};
        for (float& v : t.x) v = u(rng);
        for (int32_t& v : t.y) v = static_cast<int32_t>(rng() % classes);
        r.push_back(std::move(t));
    }
    return r;
}

void expect_pipelined_equals_sequential(const std::string& spec_text, em::OptimizerKind kind, em::Shape in,
                                        const std::vector<int>& sizes) {
    SCOPED_TRACE(spec_text);
    const em::ModelSpec spec = em::parse_model_spec(spec_text);
    em::OptimizerConfig opt;
    opt.kind = kind;
    const int classes = 5;
    auto seq = em::make_gpu_training_model(open_emulated(), spec, in, classes, opt, 11, sizes.front());
    auto pip = em::make_gpu_training_model(open_emulated(), spec, in, classes, opt, 11, sizes.front());
    ASSERT_TRUE(pip->pipelined());
    const auto data = batches(sizes, static_cast<size_t>(in.size()), classes);
    const float lr = 0.05f;
    std::vector<float> ls, lp;
    for (const Batch& t : data) ls.push_back(seq->train_step(t.x.data(), t.y.data(), t.b, lr));
    pip->stage(data[0].x.data(), data[0].y.data(), data[0].b);
    for (size_t i = 0; i < data.size(); ++i) {
        pip->launch(lr);
        if (i + 1 < data.size()) pip->stage(data[i + 1].x.data(), data[i + 1].y.data(), data[i + 1].b);
        lp.push_back(pip->finish());
    }
    ASSERT_EQ(lp.size(), ls.size());
    for (size_t i = 0; i < ls.size(); ++i) EXPECT_EQ(lp[i], ls[i]) << "step " << i;  // bit-identical
    const auto ps = seq->parameters();
    std::vector<std::vector<float>> s_copy;
    for (const auto& p : ps) s_copy.emplace_back(p.values.begin(), p.values.end());
    const auto pp = pip->parameters();
    ASSERT_EQ(pp.size(), s_copy.size());
    for (size_t i = 0; i < pp.size(); ++i)
        EXPECT_EQ(std::vector<float>(pp[i].values.begin(), pp[i].values.end()), s_copy[i]) << pp[i].name;
    int64_t h2d = -1, compute = -1;
    EXPECT_TRUE(pip->last_step_device_times(h2d, compute));
    EXPECT_GE(h2d, 0);
    EXPECT_GE(compute, 0);
}

}  // namespace

// 8 -> 13 -> 20 rows: each larger batch is staged while the step before it is launched.
TEST(GpuPipelineEmulated, TheTunedMlpPipelinesBitIdentically) {
    expect_pipelined_equals_sequential("mlp:16,12", em::OptimizerKind::Sgd, {1, 1, 24}, {8, 8, 13, 5, 13, 20, 7});
}

TEST(GpuPipelineEmulated, TheLayerStackPipelinesBitIdentically) {
    expect_pipelined_equals_sequential("mlp:16:gelu:dropout=0.3", em::OptimizerKind::Adam, {1, 1, 24},
                                       {8, 8, 13, 5, 13, 20, 7});
    expect_pipelined_equals_sequential("cnn:3,4:fc=8", em::OptimizerKind::Sgd, {1, 8, 8}, {6, 9, 3, 9, 11});
    expect_pipelined_equals_sequential("svm", em::OptimizerKind::Sgd, {1, 1, 24}, {4, 9, 2});
}

TEST(GpuPipelineEmulated, MisuseIsRefused) {
    for (const char* text : {"mlp:16,12", "mlp:16:gelu"}) {
        SCOPED_TRACE(text);
        auto m = em::make_gpu_training_model(open_emulated(), em::parse_model_spec(text), {1, 1, 24}, 5, {}, 1, 8);
        std::vector<float> x(8 * 24, 0.5f);
        std::vector<int32_t> y(8, 1);
        EXPECT_THROW(m->launch(0.1f), std::logic_error);  // nothing staged
        EXPECT_THROW(m->finish(), std::logic_error);      // nothing launched
        m->stage(x.data(), y.data(), 8);
        m->stage(x.data(), y.data(), 8);
        EXPECT_THROW(m->stage(x.data(), y.data(), 8), std::logic_error);  // two slots
        EXPECT_THROW(m->train_step(x.data(), y.data(), 8, 0.1f), std::logic_error);
        m->launch(0.1f);
        EXPECT_THROW(m->launch(0.1f), std::logic_error);  // the launched one is not finished
        EXPECT_TRUE(std::isfinite(m->finish()));
        m->drop_staged();
        EXPECT_THROW(m->launch(0.1f), std::logic_error);
        EXPECT_TRUE(std::isfinite(m->train_step(x.data(), y.data(), 8, 0.1f)));
    }
    // The CPU does not pipeline.
    auto cpu = em::make_model(em::parse_model_spec("mlp:16"), {1, 1, 24}, 5, {}, 1);
    EXPECT_FALSE(cpu->pipelined());
    std::vector<float> x(24, 0.5f);
    const int32_t y = 0;
    EXPECT_THROW(cpu->stage(x.data(), &y, 1), std::logic_error);
}
