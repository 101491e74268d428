// The fake plugin's check of every emulated kernel's arguments (fake_kernel_ranges.h, EMULATED
// device memory): for each kernel, a call whose buffers are exactly as big as its sizes say runs,
// and the same call with any one buffer one element short is refused (invalid argument, naming
// the kernel and the operand) before the kernel touches memory; sizes the real plugin refuses
// (negative, a window that does not fit, ...) are refused too. Synchronous and strict fake alike.
#include "batchscope/engine/gpu_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace batchscope::engine;
using testing::HasSubstr;

namespace {

class FakeKernelRanges : public testing::TestWithParam<const char*> {  // BS_FAKE_STRICT: "" or a seed
protected:
    void SetUp() override {
        unsetenv("BATCHSCOPE_GPU_PLUGIN");
        setenv("BS_FAKE_COMPUTE", "emulate", 1);
        setenv("BS_FAKE_DEVICE_BYTES", "100000000", 1);
        if (*GetParam()) setenv("BS_FAKE_STRICT", GetParam(), 1);
        else unsetenv("BS_FAKE_STRICT");
        GpuBackendOptions o;
        o.plugin_path = (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).string();
        std::string why;
        gpu = GpuBackend::open(o, why);
        ASSERT_TRUE(gpu) << why;
    }
    void TearDown() override {
        gpu.reset();
        for (const char* v : {"BS_FAKE_COMPUTE", "BS_FAKE_DEVICE_BYTES", "BS_FAKE_STRICT"}) unsetenv(v);
    }
    std::unique_ptr<GpuBackend> gpu;
};

struct Operand {
    const char* name;  // as the fake's message names it
    size_t elems;
    size_t elem_bytes = sizeof(float);
};
using Ptrs = std::vector<void*>;
struct Case {
    const char* kernel;
    std::vector<Operand> operands;  // in the order `call` takes them from Ptrs
    std::function<void(GpuBackend&, const Ptrs&)> call;
};

float* f(const Ptrs& p, size_t i) { return static_cast<float*>(p[i]); }
int32_t* ints(const Ptrs& p, size_t i) { return static_cast<int32_t*>(p[i]); }

// Small shapes; im2col: c 2, 5 x 4, k 3, stride 2, pad 1 -> oh 3, ow 2 (as conv_batch_kernels.cu);
// maxpool: 2 planes of 5 x 4, k 2, stride 2 -> 2 x 2.
std::vector<Case> cases() {
    const auto act = GpuActivation::gelu;
    return {
        {"sgemm", {{"A", 15}, {"B", 20}, {"C", 12}},
         [](GpuBackend& g, const Ptrs& p) { g.sgemm(false, false, 3, 4, 5, 1.f, f(p, 0), 5, f(p, 1), 4, 0.f, f(p, 2), 4); }},
        // Transposed, with row strides wider than the rows: A is 5 rows of 4 (3 used), B 4 rows of 6 (5 used).
        {"sgemm", {{"A", 4 * 4 + 3}, {"B", 3 * 6 + 5}, {"C", 12}},
         [](GpuBackend& g, const Ptrs& p) { g.sgemm(true, true, 3, 4, 5, 1.f, f(p, 0), 4, f(p, 1), 6, 0.f, f(p, 2), 4); }},
        {"bias_activation", {{"z", 12}, {"bias", 4}, {"a", 12}},
         [=](GpuBackend& g, const Ptrs& p) { g.bias_activation(act, f(p, 0), f(p, 1), f(p, 2), 3, 4); }},
        {"activation_backward", {{"x", 10}, {"dy", 10}, {"dx", 10}},
         [=](GpuBackend& g, const Ptrs& p) { g.activation_backward(act, f(p, 0), f(p, 1), f(p, 2), 10); }},
        {"softmax_xent", {{"scores", 12}, {"labels", 3, 4}, {"row output", 3}, {"grad", 12}},
         [](GpuBackend& g, const Ptrs& p) { g.softmax_xent(f(p, 0), ints(p, 1), 3, 4, 1.f, f(p, 2), f(p, 3)); }},
        {"hinge", {{"scores", 12}, {"labels", 3, 4}, {"row output", 3}, {"grad", 12}},
         [](GpuBackend& g, const Ptrs& p) { g.hinge(f(p, 0), ints(p, 1), 3, 4, 1.f, 1.f, f(p, 2), f(p, 3)); }},
        {"argmax_match", {{"scores", 12}, {"labels", 3, 4}, {"row output", 3}},
         [](GpuBackend& g, const Ptrs& p) { g.argmax_match(f(p, 0), ints(p, 1), 3, 4, f(p, 2)); }},
        {"sgd_momentum", {{"w", 10}, {"v", 10}, {"g", 10}},
         [](GpuBackend& g, const Ptrs& p) { g.sgd_momentum(f(p, 0), f(p, 1), f(p, 2), 10, 0.1f, 0.9f, 0.f); }},
        {"adam", {{"w", 10}, {"m", 10}, {"v", 10}, {"g", 10}},
         [](GpuBackend& g, const Ptrs& p) {
             g.adam(f(p, 0), f(p, 1), f(p, 2), f(p, 3), 10, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, 1);
         }},
        {"sum", {{"x", 10}, {"out", 1}}, [](GpuBackend& g, const Ptrs& p) { g.sum(f(p, 0), 10, f(p, 1)); }},
        {"column_sum", {{"x", 12}, {"out", 4}},
         [](GpuBackend& g, const Ptrs& p) { g.column_sum(f(p, 0), 3, 4, 1.f, f(p, 1)); }},
        {"activation_forward", {{"x", 10}, {"y", 10}},
         [=](GpuBackend& g, const Ptrs& p) { g.activation(act, f(p, 0), f(p, 1), 10); }},
        {"bias_add", {{"y", 24}, {"bias", 3}}, [](GpuBackend& g, const Ptrs& p) { g.bias_add(f(p, 0), f(p, 1), 2, 3, 4); }},
        {"bias_grad", {{"dy", 24}, {"gb", 3}}, [](GpuBackend& g, const Ptrs& p) { g.bias_grad(f(p, 0), 2, 3, 4, f(p, 1)); }},
        {"dropout", {{"x", 10}, {"keep", 10}, {"y", 10}},
         [](GpuBackend& g, const Ptrs& p) { g.dropout(f(p, 0), f(p, 1), 2.f, f(p, 2), 10); }},
        {"dropout_grad", {{"dy", 10}, {"keep", 10}, {"dx", 10}},
         [](GpuBackend& g, const Ptrs& p) { g.dropout_grad(f(p, 0), f(p, 1), 2.f, f(p, 2), 10); }},
        {"im2col", {{"x", 40}, {"col", 2 * 9 * 3 * 2}},
         [](GpuBackend& g, const Ptrs& p) { g.im2col(f(p, 0), 2, 5, 4, 3, 2, 1, f(p, 1)); }},
        {"col2im", {{"col", 2 * 9 * 3 * 2}, {"x", 40}},
         [](GpuBackend& g, const Ptrs& p) { g.col2im(f(p, 0), 2, 5, 4, 3, 2, 1, f(p, 1)); }},
        {"im2col_batch", {{"x", 80}, {"col", 2 * 9 * 2 * 3 * 2}},
         [](GpuBackend& g, const Ptrs& p) { g.im2col_batch(f(p, 0), 2, 2, 5, 4, 3, 2, 1, f(p, 1)); }},
        {"col2im_batch", {{"col", 2 * 9 * 2 * 3 * 2}, {"x", 80}},
         [](GpuBackend& g, const Ptrs& p) { g.col2im_batch(f(p, 0), 2, 2, 5, 4, 3, 2, 1, f(p, 1)); }},
        {"maxpool", {{"x", 40}, {"y", 8}, {"arg", 8, 4}},
         [](GpuBackend& g, const Ptrs& p) { g.maxpool(f(p, 0), 2, 5, 4, 2, 2, f(p, 1), ints(p, 2)); }},
        {"maxpool_grad", {{"dy", 8}, {"arg", 8, 4}, {"dx", 40}},
         [](GpuBackend& g, const Ptrs& p) { g.maxpool_grad(f(p, 0), ints(p, 1), 2, 5, 4, 2, 2, f(p, 2)); }},
        {"transpose_outer", {{"x", 24}, {"y", 24}},
         [](GpuBackend& g, const Ptrs& p) { g.transpose_outer(f(p, 0), 2, 3, 4, f(p, 1)); }},
        {"collate_u8", {{"hwc", 30, 1}, {"chw", 30}},
         [](GpuBackend& g, const Ptrs& p) {
             g.collate_u8(static_cast<const uint8_t*>(p[0]), 2, 5, 3, {1.f, 1.f, 1.f}, {0.f, 0.f, 0.f}, f(p, 1));
         }},
    };
}

// Device buffers for a case's operands, zeroed (valid labels and winner indices), operand `short_one`
// (if any) one element short.
std::vector<DeviceBuffer> buffers(GpuBackend& g, const Case& c, size_t short_one) {
    std::vector<DeviceBuffer> b;
    for (size_t i = 0; i < c.operands.size(); ++i) {
        const Operand& o = c.operands[i];
        const size_t bytes = (o.elems - (i == short_one ? 1 : 0)) * o.elem_bytes;
        b.push_back(g.device(bytes));
        const std::vector<char> zeros(bytes, 0);
        if (bytes) g.copy_h2d(b.back().data(), zeros.data(), bytes, GpuStream::compute);
    }
    return b;
}

Ptrs ptrs(const std::vector<DeviceBuffer>& b) {
    Ptrs p;
    for (const DeviceBuffer& d : b) p.push_back(d.data());
    return p;
}

void expect_refused(const std::function<void()>& call, const std::string& says) {
    try {
        call();
        ADD_FAILURE() << "not refused; expected: " << says;
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::invalid_argument) << e.what();
        EXPECT_THAT(e.what(), HasSubstr(says));
    }
}

}  // namespace

TEST_P(FakeKernelRanges, ExactBuffersRunAndAnyOneElementShortIsRefused) {
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.kernel);
        {
            const std::vector<DeviceBuffer> b = buffers(*gpu, c, SIZE_MAX);
            EXPECT_NO_THROW(c.call(*gpu, ptrs(b)));
            gpu->synchronize(GpuStream::compute);
        }
        for (size_t i = 0; i < c.operands.size(); ++i) {
            SCOPED_TRACE(c.operands[i].name);
            const std::vector<DeviceBuffer> b = buffers(*gpu, c, i);
            expect_refused([&] { c.call(*gpu, ptrs(b)); },
                           std::string(c.kernel) + " " + c.operands[i].name + ": " +
                               std::to_string((c.operands[i].elems) * c.operands[i].elem_bytes) + " bytes at ");
            gpu->synchronize(GpuStream::compute);
        }
    }
}

TEST_P(FakeKernelRanges, SizesTheRealPluginRefusesAreRefused) {
    DeviceBuffer d = gpu->device_floats(4096);
    float* x = d.floats();
    auto* i = reinterpret_cast<int32_t*>(x);
    auto* u = static_cast<const uint8_t*>(d.data());
    GpuBackend& g = *gpu;
    expect_refused([&] { g.sgemm(false, false, -1, 2, 2, 1.f, x, 2, x, 2, 0.f, x, 2); }, "sgemm: m is -1");
    expect_refused([&] { g.bias_activation(GpuActivation::relu, x, x + 100, x + 200, -1, 4); }, "bias_activation: rows is -1");
    expect_refused([&] { g.bias_activation(GpuActivation::relu, x, x + 100, x, 2, 4); }, "bias_activation: a may equal z only");
    expect_refused([&] { g.softmax_xent(x, i + 100, 2, 1, 1.f, x + 200, x + 300); }, "softmax_xent: cols is 1");
    expect_refused([&] { g.column_sum(x, 2, -3, 1.f, x + 100); }, "column_sum: cols is -3");
    expect_refused([&] { g.bias_add(x, x + 100, -1, 2, 2); }, "bias_add: outer is -1");
    expect_refused([&] { g.bias_grad(x, 2, 2, 0, x + 100); }, "bias_grad: inner is 0");
    expect_refused([&] { g.adam(x, x + 10, x + 20, x + 30, 10, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, 0); }, "adam: t is 0");
    expect_refused([&] { g.im2col(x, 1, 4, 4, 3, 1, -1, x + 100); }, "im2col: pad is -1");
    expect_refused([&] { g.col2im(x, 1, 4, 4, 3, 0, 0, x + 100); }, "col2im: stride is 0");
    expect_refused([&] { g.im2col_batch(x, 0, 1, 4, 4, 3, 1, 0, x + 100); }, "im2col_batch: n is 0");
    expect_refused([&] { g.col2im_batch(x, 1, 1, 2, 4, 3, 1, 0, x + 100); }, "col2im_batch: the 3 x 3 window does not fit 2 x 4");
    expect_refused([&] { g.maxpool(x, -2, 4, 4, 2, 2, x + 100, i + 200); }, "maxpool: planes is -2");
    expect_refused([&] { g.maxpool_grad(x, i + 100, 1, 4, 4, 5, 1, x + 200); }, "maxpool_grad: the 5 x 5 window does not fit");
    expect_refused([&] { g.transpose_outer(x, 2, -3, 4, x + 100); }, "transpose_outer: b is -3");
    expect_refused([&] { g.transpose_outer(x, 2, 3, 4, x + 10); }, "transpose_outer: x and y overlap");
    expect_refused([&] { g.collate_u8(u, 1, 4, 2, {1.f, 1.f, 1.f}, {0.f, 0.f, 0.f}, x + 100); }, "collate_u8: channels is 2");
    // Sizes whose product overflows 64 bits: an extent that cannot fit, never one that wrapped small.
    expect_refused([&] { g.bias_add(x, x + 100, INT_MAX, INT_MAX, INT_MAX); }, "bias_add y: 18446744073709551615 bytes");
    // A negative count cast to the unsigned n of the elementwise kernels: far too long, refused.
    expect_refused([&] { g.activation(GpuActivation::relu, x, x, static_cast<size_t>(-1)); },
                   "activation_forward x: 18446744073709551615 bytes");
    gpu->synchronize(GpuStream::compute);
}

// Labels are data, not sizes: one outside [0, classes) gives its row a NaN loss and a zero
// gradient (the ABI's promise, and the CUDA kernels'), the other rows their usual values, and
// nothing is written outside the gradient's rows.
TEST_P(FakeKernelRanges, ALabelOutsideTheClassesGivesItsRowANanLossNotAWildWrite) {
    constexpr int rows = 3, cols = 4;
    const std::vector<float> z{0.f, 1.f, 2.f, 3.f, 3.f, 2.f, 1.f, 0.f, 1.f, 1.f, 1.f, 1.f};
    const std::vector<int32_t> y{2, 1000000, 0};
    DeviceBuffer dz = gpu->device_floats(z.size()), dy = gpu->device(y.size() * sizeof(int32_t));
    DeviceBuffer loss = gpu->device_floats(rows), grad = gpu->device_floats(rows * cols);
    gpu->copy_h2d(dz.data(), z.data(), z.size() * sizeof(float), GpuStream::compute);
    gpu->copy_h2d(dy.data(), y.data(), y.size() * sizeof(int32_t), GpuStream::compute);
    for (const bool hinge : {false, true}) {
        SCOPED_TRACE(hinge ? "hinge" : "softmax_xent");
        gpu->fill(grad.floats(), rows * cols, 7.f);
        if (hinge) gpu->hinge(dz.floats(), dy.ints(), rows, cols, 1.f, 1.f, loss.floats(), grad.floats());
        else gpu->softmax_xent(dz.floats(), dy.ints(), rows, cols, 1.f, loss.floats(), grad.floats());
        std::vector<float> l(rows), g(rows * cols);
        gpu->copy_d2h(l.data(), loss.data(), l.size() * sizeof(float), GpuStream::compute);
        gpu->copy_d2h(g.data(), grad.data(), g.size() * sizeof(float), GpuStream::compute);
        gpu->synchronize(GpuStream::compute);
        EXPECT_TRUE(std::isnan(l[1]));
        EXPECT_TRUE(std::isfinite(l[0]) && std::isfinite(l[2]));
        for (int j = 0; j < cols; ++j) EXPECT_EQ(g[cols + j], 0.f) << "column " << j;
        EXPECT_NE(g[0 * cols + 2], 7.f);  // the good rows were written
    }
}

INSTANTIATE_TEST_SUITE_P(SynchronousAndStrict, FakeKernelRanges, testing::Values("", "5"),
                         [](const testing::TestParamInfo<const char*>& p) { return *p.param ? "strict" : "synchronous"; });
