#pragma once
// A model trained one train_step at a time and the same model pipelined (batch k+1 staged while
// step k is launched: Model::stage / launch / finish), on the same batches: the losses and the
// parameters must agree (bit-identical with tol 0). Larger batches in `sizes` are staged while a
// step is under way, so the buffers regrow mid-pipeline. Used by gpu_pipeline_emulated_test (fake
// plugin) and gpu_network_gpu_test (a GPU).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"
#include "network_compare.h"

namespace batchscope::test {

namespace em = batchscope::engine::model;

struct StepBatch {
    std::vector<float> x;
    std::vector<int32_t> y;
    int b;
};

inline std::vector<StepBatch> step_batches(const std::vector<int>& sizes, size_t features, int classes) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::vector<StepBatch> r;
    for (int b : sizes) {
        StepBatch t{std::vector<float>(static_cast<size_t>(b) * features), std::vector<int32_t>(static_cast<size_t>(b)), b};
        for (float& v : t.x) v = u(rng);
        for (int32_t& v : t.y) v = static_cast<int32_t>(rng() % classes);
        r.push_back(std::move(t));
    }
    return r;
}

// `open` gives a fresh GpuBackend (each model owns one). `tol`: 0 asks for bit-identical results
// (one step at a time and pipelined run the same kernels in the same order).
template <typename Open>
void expect_pipelined_equals_sequential(Open open, const std::string& spec_text, em::OptimizerKind kind, em::Shape in,
                                        const std::vector<int>& sizes, double tol = 0) {
    SCOPED_TRACE(spec_text);
    const em::ModelSpec spec = em::parse_model_spec(spec_text);
    em::OptimizerConfig opt;
    opt.kind = kind;
    const int classes = 5;
    auto g1 = open(), g2 = open();
    ASSERT_TRUE(g1 && g2);
    auto seq = em::make_gpu_training_model(std::move(g1), spec, in, classes, opt, 11, sizes.front());
    auto pip = em::make_gpu_training_model(std::move(g2), spec, in, classes, opt, 11, sizes.front());
    ASSERT_TRUE(pip->pipelined());
    const auto data = step_batches(sizes, static_cast<size_t>(in.size()), classes);
    const float lr = 0.05f;
    std::vector<float> ls, lp;
    for (const StepBatch& t : data) ls.push_back(seq->train_step(t.x.data(), t.y.data(), t.b, lr));
    pip->stage(data[0].x.data(), data[0].y.data(), data[0].b);
    for (size_t i = 0; i < data.size(); ++i) {
        pip->launch(lr);
        if (i + 1 < data.size()) pip->stage(data[i + 1].x.data(), data[i + 1].y.data(), data[i + 1].b);
        lp.push_back(pip->finish());
    }
    ASSERT_EQ(lp.size(), ls.size());
    for (size_t i = 0; i < ls.size(); ++i) EXPECT_LE(std::abs(lp[i] - ls[i]), tol * std::abs(ls[i])) << "step " << i;
    const auto ps = seq->parameters();
    std::vector<std::vector<float>> s_copy;
    for (const auto& p : ps) s_copy.emplace_back(p.values.begin(), p.values.end());
    const auto pp = pip->parameters();
    ASSERT_EQ(pp.size(), s_copy.size());
    for (size_t i = 0; i < pp.size(); ++i)
        EXPECT_LE(rel_diff(pp[i].values, s_copy[i]), tol) << pp[i].name;
    // The last step's device times were read (-1 overwritten); its compute took time where events
    // time the work (events_time_work).
    int64_t h2d = -1, compute = -1;
    EXPECT_TRUE(pip->last_step_device_times(h2d, compute));
    EXPECT_GE(h2d, 0);
    if (events_time_work()) EXPECT_GT(compute, 0);
    else EXPECT_EQ(compute, 0);
}

}  // namespace batchscope::test
