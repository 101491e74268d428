// The layer stack on the GPU layer backend checked WITHOUT a GPU: the fake plugin in `emulate`
// mode runs the compute table on the host (fake_compute_kernels.h, EMULATED). This checks what
// the backend and the Network ask the device for (buffers, uploads of the batch and the dropout
// masks, GEMM shapes, the layer ops, the device-side loss and accuracy, read-backs) against the
// CPU backend, step by step. The CUDA kernels themselves: gpu_network_gpu_test, on a GPU.
#include "batchscope/engine/gpu_backend.h"
#include "emulated_backend.h"
#include "network_compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

using namespace batchscope::engine;
using batchscope::test::expect_trains_like_cpu;
using batchscope::test::NetCase;
namespace em = batchscope::engine::model;

namespace {

using bs_test::open_emulated;

constexpr double kTol = 1e-4;  // the FP32 bound

TEST(GpuNetworkEmulated, LogisticRegressionStepsMatchTheCpu) {
    expect_trains_like_cpu(open_emulated(), {"logreg"}, kTol);
    expect_trains_like_cpu(open_emulated(), {"logreg", em::OptimizerKind::Adam, {1, 1, 24}, 0.01f}, kTol);
}

TEST(GpuNetworkEmulated, SvmStepsMatchTheCpu) {
    expect_trains_like_cpu(open_emulated(), {"svm"}, kTol);
    expect_trains_like_cpu(open_emulated(), {"svm:margin=0.5", em::OptimizerKind::Sgd, {1, 1, 24}, 0.05f, 1e-3f}, kTol);
}

TEST(GpuNetworkEmulated, GeluDropoutMlpStepsMatchTheCpu) {
    expect_trains_like_cpu(open_emulated(), {"mlp:16,12:gelu:dropout=0.3"}, kTol);
    expect_trains_like_cpu(open_emulated(), {"mlp:16:gelu:dropout=0.5", em::OptimizerKind::Adam, {1, 1, 24}, 0.01f},
                           kTol);
}

TEST(GpuNetworkEmulated, CnnStepsMatchTheCpu) {
    expect_trains_like_cpu(open_emulated(), {"cnn:3,4:fc=8:dropout=0.25", em::OptimizerKind::Sgd, {1, 8, 8}, 0.05f},
                           kTol);
    expect_trains_like_cpu(open_emulated(), {"cnn:3:fc=0:gelu", em::OptimizerKind::Adam, {2, 6, 6}, 0.01f}, kTol);
}

// Batched convolution: the GPU unfolds a chunk of samples and runs one GEMM per chunk (forward,
// weight gradient, input gradient). Odd batch sizes, and a chunk bound so small that every batch
// is split into several chunks with a partial last one (conv 1: 2 samples a chunk, conv 2: 3).
TEST(GpuNetworkEmulated, BatchedConvolutionInChunksMatchesTheCpu) {
    const std::vector<int> odd{7, 5, 13, 1, 9};
    expect_trains_like_cpu(open_emulated(), {"cnn:3,4:fc=8", em::OptimizerKind::Sgd, {1, 8, 8}, 0.05f}, kTol, odd,
                           1500);
    expect_trains_like_cpu(open_emulated(), {"cnn:3,4:fc=8", em::OptimizerKind::Sgd, {1, 8, 8}, 0.05f}, kTol, odd);
    expect_trains_like_cpu(open_emulated(), {"cnn:4:fc=0:gelu", em::OptimizerKind::Adam, {3, 7, 5}, 0.01f}, kTol,
                           {3, 11, 2}, 1);  // one sample a chunk
    EXPECT_THROW(em::make_gpu_layer_backend(open_emulated(), 0), std::invalid_argument);
}

// The batched unfolding's index math (elementwise_math.h, which the CUDA kernels and the fake
// plugin run) against the CPU backend's per-sample im2col/col2im loops, exactly.
TEST(GpuNetworkEmulated, BatchedUnfoldingIsThePerSampleOneSideBySide) {
    auto cpu = em::make_cpu_backend(1);
    for (const int stride : {1, 2}) {
        const int n = 3, c = 2, h = 5, w = 4, k = 3, pad = 1;
        const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        const size_t rows = static_cast<size_t>(c) * k * k, ohw = static_cast<size_t>(oh) * ow, per = static_cast<size_t>(c) * h * w;
        std::vector<float> x(n * per);
        for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) - 5.f;
        std::vector<float> batched(rows * n * ohw), one(rows * ohw), expect(batched.size());
        cpu->im2col_batch(x.data(), n, c, h, w, k, stride, pad, batched.data());
        for (int s = 0; s < n; ++s) {
            cpu->im2col(x.data() + s * per, c, h, w, k, stride, pad, one.data());
            for (size_t r = 0; r < rows; ++r)
                for (size_t p = 0; p < ohw; ++p) expect[r * n * ohw + s * ohw + p] = one[r * ohw + p];
        }
        EXPECT_EQ(batched, expect) << "stride " << stride;
        // Folded back: each sample as col2im folds its own columns.
        std::vector<float> col(batched.size());
        for (size_t i = 0; i < col.size(); ++i) col[i] = static_cast<float>(i % 13) * 0.25f - 1.f;
        std::vector<float> dx(n * per, 99.f), dx_one(per), dx_expect(n * per);
        cpu->col2im_batch(col.data(), n, c, h, w, k, stride, pad, dx.data());
        for (int s = 0; s < n; ++s) {
            for (size_t r = 0; r < rows; ++r)
                for (size_t p = 0; p < ohw; ++p) one[r * ohw + p] = col[r * n * ohw + s * ohw + p];
            cpu->col2im(one.data(), c, h, w, k, stride, pad, dx_one.data());
            std::copy(dx_one.begin(), dx_one.end(), dx_expect.begin() + static_cast<std::ptrdiff_t>(s * per));
        }
        EXPECT_EQ(dx, dx_expect) << "stride " << stride;
    }
    std::vector<float> t(2 * 3 * 4), u(t.size());
    for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
    cpu->transpose_outer(t.data(), 2, 3, 4, u.data());  // [2][3][4] -> [3][2][4]
    EXPECT_EQ(u[(1 * 2 + 0) * 4 + 2], t[(0 * 3 + 1) * 4 + 2]);
    EXPECT_EQ(u[(2 * 2 + 1) * 4 + 3], t[(1 * 3 + 2) * 4 + 3]);
}

// Checkpoints: parameters read back from the device load into a CPU model that then predicts
// the same; a CPU model's parameters loaded onto the device predict as on the CPU.
TEST(GpuNetworkEmulated, ParametersCrossBetweenCpuAndDevice) {
    const em::ModelSpec spec = em::parse_model_spec("cnn:3:fc=8:gelu");
    const em::Shape in{1, 6, 6};
    em::OptimizerConfig opt;
    auto dev = em::make_network(spec, in, 4, opt, 5, em::make_gpu_layer_backend(open_emulated()));
    auto cpu = em::make_model(spec, in, 4, opt, 99, 1);  // another seed: different weights
    std::vector<float> x(36 * 6);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 7.f;
    std::vector<int32_t> y{0, 1, 2, 3, 0, 1};
    dev->train_step(x.data(), y.data(), 6, 0.1f);

    std::vector<float> zd(6 * 4), zc(6 * 4);
    em::InferWorkspace w;
    const auto trained = dev->parameters();  // device -> host
    for (size_t i = 0; i < trained.size(); ++i) cpu->set_parameter(i, trained[i].values);
    dev->predict(x.data(), 6, zd.data(), w);
    cpu->predict(x.data(), 6, zc.data(), w);
    EXPECT_LE(batchscope::test::rel_diff(zd, zc), kTol);

    auto cpu2 = em::make_model(spec, in, 4, opt, 123, 1);  // host -> device
    const auto host = cpu2->parameters();
    for (size_t i = 0; i < host.size(); ++i) dev->set_parameter(i, host[i].values);
    dev->predict(x.data(), 6, zd.data(), w);
    cpu2->predict(x.data(), 6, zc.data(), w);
    EXPECT_LE(batchscope::test::rel_diff(zd, zc), kTol);
    EXPECT_THROW(dev->set_parameter(0, std::vector<float>(3)), std::invalid_argument);
}

// Device memory is counted per kind; the host keeps only what it reads back.
TEST(GpuNetworkEmulated, DeviceMemoryByKind) {
    em::OptimizerConfig adam;
    adam.kind = em::OptimizerKind::Adam;
    auto dev = em::make_network(em::parse_model_spec("mlp:16"), {1, 1, 24}, 5, adam, 1,
                                em::make_gpu_layer_backend(open_emulated()));
    const int64_t params = (24 * 16 + 16 + 16 * 5 + 5) * 4;
    em::ModelMemory m;
    ASSERT_TRUE(dev->device_memory(m));
    EXPECT_EQ(m.weights, params);
    EXPECT_EQ(m.gradients, params);
    EXPECT_EQ(m.optimizer_state, 2 * params);  // Adam: two moments
    EXPECT_EQ(m.activations, 0);               // nothing until the first batch
    std::vector<float> x(10 * 24, 0.5f);
    std::vector<int32_t> y(10, 1);
    dev->train_step(x.data(), y.data(), 10, 0.01f);
    ASSERT_TRUE(dev->device_memory(m));
    EXPECT_GT(m.activations, 10 * (24 + 16 + 16 + 5) * 4);  // input, layer outputs, gradients
    EXPECT_EQ(dev->memory().total(), 0);                    // nothing read back yet
    (void)dev->parameters();
    EXPECT_GE(dev->memory().weights, params);
    // The step's device times were read (-1 overwritten); its compute took time where events time
    // the work (pipeline_compare.h: events_time_work).
    int64_t h2d = -1, compute = -1;
    EXPECT_TRUE(dev->last_step_device_times(h2d, compute));
    EXPECT_GE(h2d, 0);
    if (batchscope::test::events_time_work()) EXPECT_GT(compute, 0);
    else EXPECT_EQ(compute, 0);
    em::ModelMemory none;
    EXPECT_FALSE(em::make_network(em::parse_model_spec("mlp:16"), {1, 1, 24}, 5, adam, 1, em::make_cpu_backend(1))
                     ->device_memory(none));
}

// Out of device memory: a clear error with the largest batch that should fit, and that batch fits.
TEST(GpuNetworkEmulated, OutOfMemorySaysTheLargestBatchThatFits) {
    const em::ModelSpec spec = em::parse_model_spec("mlp:64,64");
    const em::Shape in{1, 1, 256};
    em::OptimizerConfig opt;
    const char* budget = "400000";  // bytes of "device"
    auto dev = em::make_network(spec, in, 10, opt, 1, em::make_gpu_layer_backend(open_emulated(budget)));
    const int big = 400;
    std::vector<float> x(static_cast<size_t>(big) * 256, 0.25f);
    std::vector<int32_t> y(big, 3);
    std::string msg;
    try {
        dev->train_step(x.data(), y.data(), big, 0.01f);
    } catch (const em::DeviceOutOfMemory& e) {
        msg = e.what();
    }
    ASSERT_NE(msg.find("out of GPU memory at batch size 400"), std::string::npos) << msg;
    const auto at = msg.find("the largest batch size that should fit is ");
    ASSERT_NE(at, std::string::npos) << msg;
    const int fit = std::atoi(msg.c_str() + at + std::string("the largest batch size that should fit is ").size());
    EXPECT_GT(fit, 0);
    EXPECT_LT(fit, big);
    auto fresh = em::make_network(spec, in, 10, opt, 1, em::make_gpu_layer_backend(open_emulated(budget)));
    EXPECT_NO_THROW(fresh->train_step(x.data(), y.data(), fit, 0.01f)) << msg;
    // Not even the weights fit: the constructor says so.
    EXPECT_THROW(em::make_network(spec, in, 10, opt, 1, em::make_gpu_layer_backend(open_emulated("1000"))),
                 em::DeviceOutOfMemory);
}

// Which GPU path a spec takes: the tuned GpuMlp for the plain ReLU MLP with SGD, the layer stack
// for the rest; both say so in the backend string.
TEST(GpuNetworkEmulated, TheTunedMlpKeepsThePlainReluMlp) {
    em::OptimizerConfig sgd, adam;
    adam.kind = em::OptimizerKind::Adam;
    const em::Shape in{1, 1, 24};
    auto plain = em::make_gpu_training_model(open_emulated(), em::parse_model_spec("mlp:16"), in, 5, sgd, 1, 8);
    EXPECT_EQ(plain->backend().find("layer stack"), std::string::npos) << plain->backend();
    for (const char* s : {"svm", "mlp:16:gelu", "mlp:16:dropout=0.2", "cnn:2:fc=4"}) {
        auto m = em::make_gpu_training_model(open_emulated(), em::parse_model_spec(s), std::string(s).starts_with("cnn") ? em::Shape{1, 4, 4} : in, 5, sgd, 1, 8);
        EXPECT_NE(m->backend().find("layer stack"), std::string::npos) << s << ": " << m->backend();
    }
    auto a = em::make_gpu_training_model(open_emulated(), em::parse_model_spec("mlp:16"), in, 5, adam, 1, 8);
    EXPECT_NE(a->backend().find("layer stack"), std::string::npos) << a->backend();
}

}  // namespace
