#pragma once
// One model spec trained as the layer stack on the CPU backend and on the GPU layer backend side
// by side, from the same seed on the same batches: every step's loss, then every parameter
// tensor and its update over the steps (which the weights alone would hide), the logits and the
// correct count must agree within `tol` (relative, L2 norm over the tensor).
// Used by gpu_network_emulated_test (fake plugin, host-emulated kernels) and
// gpu_network_gpu_test (the real plugin on a GPU).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"

namespace batchscope::test {

// Whether the device's events time the work: on a GPU, under the fake plugin's strict mode (work
// runs on the streams' threads) or its host event clock; the synchronous fake's events read 0.
inline bool events_time_work() {
    const char* clock = std::getenv("BS_FAKE_EVENT_CLOCK");
    return !std::getenv("BS_FAKE_COMPUTE") || std::getenv("BS_FAKE_STRICT") ||
           (clock && std::string(clock) == "host");
}

namespace em = batchscope::engine::model;

// |a - b| / |b| over the whole tensor (|b| = 0: |a - b|).
inline double rel_diff(std::span<const float> a, std::span<const float> b) {
    double d = 0, n = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        d += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
        n += static_cast<double>(b[i]) * b[i];
    }
    if (a.size() != b.size()) return 1e30;
    return n > 0 ? std::sqrt(d / n) : std::sqrt(d);
}

struct NetCase {
    std::string spec;  // --model text
    em::OptimizerKind optimizer = em::OptimizerKind::Sgd;
    em::Shape input{1, 1, 24};
    float lr = 0.05f;
    float weight_decay = 0.f;
};

// conv_chunk_floats: the GPU layer backend's bound on a convolution chunk (small: a batch is
// unfolded in several chunks, the last one partial).
inline void expect_trains_like_cpu(std::unique_ptr<engine::GpuBackend> gpu, const NetCase& c, double tol,
                                   const std::vector<int>& batches = {8, 8, 13, 8, 5},
                                   size_t conv_chunk_floats = em::kConvChunkFloats) {
    SCOPED_TRACE(c.spec + (c.optimizer == em::OptimizerKind::Adam ? " adam" : " sgd"));
    ASSERT_TRUE(gpu);
    const int classes = 5;
    const em::ModelSpec spec = em::parse_model_spec(c.spec);
    em::OptimizerConfig opt;
    opt.kind = c.optimizer;
    opt.weight_decay = c.weight_decay;
    auto cpu = em::make_network(spec, c.input, classes, opt, 11, em::make_cpu_backend(1));
    auto dev = em::make_network(spec, c.input, classes, opt, 11,
                                em::make_gpu_layer_backend(std::move(gpu), conv_chunk_floats));
    EXPECT_NE(dev->backend().find("layer stack"), std::string::npos) << dev->backend();
    EXPECT_EQ(dev->describe(), cpu->describe());

    std::vector<std::vector<float>> start;
    for (const auto& p : cpu->parameters()) start.emplace_back(p.values.begin(), p.values.end());
    {
        const auto init = dev->parameters();  // the same host-drawn initialisation, uploaded
        ASSERT_EQ(init.size(), start.size());
        for (size_t i = 0; i < init.size(); ++i) EXPECT_EQ(rel_diff(init[i].values, start[i]), 0.0) << init[i].name;
    }
    const auto features = static_cast<size_t>(c.input.size());
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (size_t s = 0; s < batches.size(); ++s) {
        const int b = batches[s];
        std::vector<float> x(static_cast<size_t>(b) * features);
        std::vector<int32_t> y(static_cast<size_t>(b));
        for (float& v : x) v = u(rng);
        for (int32_t& v : y) v = static_cast<int32_t>(rng() % classes);
        const float lc = cpu->train_step(x.data(), y.data(), b, c.lr);
        const float lg = dev->train_step(x.data(), y.data(), b, c.lr);
        EXPECT_LE(std::abs(lg - lc), tol * std::max(1e-3f, std::abs(lc))) << "step " << s << ": cpu " << lc << ", gpu " << lg;
    }
    const auto pc = cpu->parameters(), pg = dev->parameters();
    ASSERT_EQ(pc.size(), pg.size());
    for (size_t i = 0; i < pc.size(); ++i) {
        EXPECT_EQ(pg[i].name, pc[i].name);
        EXPECT_LE(rel_diff(pg[i].values, pc[i].values), tol) << pc[i].name;
        std::vector<float> ug(start[i].size()), uc(start[i].size());
        for (size_t j = 0; j < start[i].size() && j < pg[i].values.size(); ++j) {
            ug[j] = pg[i].values[j] - start[i][j];
            uc[j] = pc[i].values[j] - start[i][j];
        }
        EXPECT_LE(rel_diff(ug, uc), tol) << pc[i].name << " update";
    }
    // Serving and evaluation (no dropout), more rows than a training batch: chunked on the device.
    const int n = 29;
    std::vector<float> x(static_cast<size_t>(n) * features);
    std::vector<int32_t> y(static_cast<size_t>(n));
    for (float& v : x) v = u(rng);
    for (int32_t& v : y) v = static_cast<int32_t>(rng() % classes);
    std::vector<float> zc(static_cast<size_t>(n) * classes), zg(zc.size());
    em::InferWorkspace wc, wg;
    cpu->predict(x.data(), n, zc.data(), wc);
    dev->predict(x.data(), n, zg.data(), wg);
    EXPECT_LE(rel_diff(zg, zc), tol) << "logits";
    EXPECT_EQ(dev->count_correct(x.data(), y.data(), n), cpu->count_correct(x.data(), y.data(), n));
}

}  // namespace batchscope::test
