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
#include "emulated_backend.h"
#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"
#include "pipeline_compare.h"

using namespace batchscope::engine;
using batchscope::test::expect_pipelined_equals_sequential;
namespace em = batchscope::engine::model;

namespace {

using bs_test::open_emulated;
const auto open_default = [] { return open_emulated(); };  // a fresh backend per model

}  // namespace

// 8 -> 13 -> 20 rows: each larger batch is staged while the step before it is launched.
TEST(GpuPipelineEmulated, TheTunedMlpPipelinesBitIdentically) {
    expect_pipelined_equals_sequential(open_default, "mlp:16,12", em::OptimizerKind::Sgd, {1, 1, 24}, {8, 8, 13, 5, 13, 20, 7});
}

TEST(GpuPipelineEmulated, TheLayerStackPipelinesBitIdentically) {
    expect_pipelined_equals_sequential(open_default, "mlp:16:gelu:dropout=0.3", em::OptimizerKind::Adam, {1, 1, 24},
                                       {8, 8, 13, 5, 13, 20, 7});
    expect_pipelined_equals_sequential(open_default, "cnn:3,4:fc=8", em::OptimizerKind::Sgd, {1, 8, 8}, {6, 9, 3, 9, 11});
    expect_pipelined_equals_sequential(open_default, "svm", em::OptimizerKind::Sgd, {1, 1, 24}, {4, 9, 2});
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
