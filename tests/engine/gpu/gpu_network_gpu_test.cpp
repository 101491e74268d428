// Needs a GPU: the layer stack on the GPU layer backend (real plugin: cuBLAS and the CUDA
// kernels) against the CPU backend, step by step (loss, parameters, logits, correct count),
// for logistic regression, the linear SVM, a GELU + dropout MLP and a small CNN, with SGD and
// Adam: relative error <= 1e-4 in FP32, <= 3e-3 with TF32.
#include "batchscope/engine/gpu_backend.h"
#include "network_compare.h"
#include "pipeline_compare.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace batchscope::engine;
using batchscope::test::expect_trains_like_cpu;
using batchscope::test::NetCase;
namespace em = batchscope::engine::model;

namespace {

std::unique_ptr<GpuBackend> open_gpu(bool tf32 = false) {
    GpuBackendOptions o;
    o.tf32 = tf32;
    std::string why;
    auto b = GpuBackend::open(o, why);
    if (!b) std::cerr << "GPU backend unavailable: " << why << "\n";
    return b;
}

constexpr double kFp32 = 1e-4, kTf32 = 3e-3;
const std::vector<int> kBatches{32, 32, 64, 17, 32};

const std::vector<NetCase>& cases() {
    static const std::vector<NetCase> c{
        {"logreg", em::OptimizerKind::Sgd, {1, 28, 28}, 0.05f},
        {"logreg", em::OptimizerKind::Adam, {1, 28, 28}, 0.001f},
        {"svm", em::OptimizerKind::Sgd, {1, 28, 28}, 0.01f},
        {"mlp:64,32:gelu:dropout=0.3", em::OptimizerKind::Sgd, {1, 28, 28}, 0.05f},
        {"mlp:64:gelu:dropout=0.5", em::OptimizerKind::Adam, {1, 28, 28}, 0.001f},
        {"cnn:4,8:fc=32:dropout=0.25", em::OptimizerKind::Sgd, {1, 28, 28}, 0.05f},
        {"cnn:4:fc=0:gelu", em::OptimizerKind::Adam, {3, 16, 16}, 0.001f},
    };
    return c;
}

TEST(GpuNetworkGpu, EveryModelStepsLikeTheCpuInFp32) {
    for (const NetCase& c : cases()) expect_trains_like_cpu(open_gpu(), c, kFp32, kBatches);
}

TEST(GpuNetworkGpu, EveryModelStepsLikeTheCpuWithTf32) {
    for (const NetCase& c : cases()) expect_trains_like_cpu(open_gpu(true), c, kTf32, kBatches);
}

// Batched convolution on the GPU: odd batch sizes, and chunks so small that every batch is split
// (cnn:4,8 on 28x28: four samples a chunk in both convolutions, the last chunk partial), against the CPU.
TEST(GpuNetworkGpu, BatchedConvolutionInChunksStepsLikeTheCpu) {
    const NetCase c{"cnn:4,8:fc=32", em::OptimizerKind::Sgd, {1, 28, 28}, 0.05f};
    expect_trains_like_cpu(open_gpu(), c, kFp32, {31, 17, 64, 1, 33}, 30000);
    expect_trains_like_cpu(open_gpu(), c, kFp32, {31, 17, 64, 1, 33});
    expect_trains_like_cpu(open_gpu(true), c, kTf32, {31, 17, 64, 1, 33}, 30000);
}

// Pipelined steps (batch k+1 on the copy stream while step k computes) against one step at a
// time: the same kernels in the same order on the same device, so the same numbers.
TEST(GpuNetworkGpu, PipelinedStepsEqualOneStepAtATime) {
    auto open = [] { return open_gpu(); };
    batchscope::test::expect_pipelined_equals_sequential(open, "mlp:64,32", em::OptimizerKind::Sgd, {1, 28, 28},
                                                         {32, 32, 64, 17, 128, 5}, 1e-6);
    batchscope::test::expect_pipelined_equals_sequential(open, "cnn:4,8:fc=32:dropout=0.25", em::OptimizerKind::Adam,
                                                         {1, 28, 28}, {32, 32, 64, 17, 128, 5}, 1e-6);
}

TEST(GpuNetworkGpu, OutOfMemoryIsAClearError) {
    GpuBackendOptions o;
    o.pool_limit_bytes = 64ull << 20;  // a 64 MiB pool: a large CNN batch cannot fit (the advice
                                       // counts the device's free memory, so it cannot say how much)
    std::string why;
    auto gpu = GpuBackend::open(o, why);
    ASSERT_TRUE(gpu) << why;
    auto m = em::make_network(em::parse_model_spec("cnn:32,64:fc=128"), {1, 28, 28}, 10, {}, 1,
                              em::make_gpu_layer_backend(std::move(gpu)));
    const int b = 4096;
    std::vector<float> x(static_cast<size_t>(b) * 784, 0.5f);
    std::vector<int32_t> y(b, 1);
    try {
        m->train_step(x.data(), y.data(), b, 0.01f);
        ADD_FAILURE() << "a 4096-sample CNN batch fit in a 64 MiB pool";
    } catch (const em::DeviceOutOfMemory& e) {
        std::cout << "[ oom      ] " << e.what() << "\n";
        EXPECT_NE(std::string(e.what()).find("out of GPU memory at batch size 4096"), std::string::npos) << e.what();
    }
}

}  // namespace
