// Needs a GPU (label gpu): every kernel of the compute backend (the batched convolution's too)
// and a whole MLP training step against the CPU (relative error <= 1e-4 in FP32, <= 3e-3 with
// TF32), the copy stream overlapping the compute stream, the pool's steady state and
// out-of-memory as an error.
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/mlp.h"
#include "collate_check.h"
#include "cpu_reference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <iostream>
#include <random>

using namespace batchscope::engine;
namespace ref = batchscope::test;
using ref::rel_error;

namespace {

constexpr double kFp32 = 1e-4, kTf32 = 3e-3;

GpuBackend& gpu() {
    static std::unique_ptr<GpuBackend> g = [] {
        std::string why;
        auto b = GpuBackend::open({}, why);
        if (!b) std::cerr << "GPU backend unavailable: " << why << "\n";
        else std::cout << "[ gpu      ] " << b->probe().summary() << "\n";
        return b;
    }();
    if (!g) throw std::runtime_error("no GPU backend");
    return *g;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

std::vector<int32_t> random_labels(size_t n, int classes, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> v(n);
    for (auto& y : v) y = static_cast<int32_t>(rng() % static_cast<uint32_t>(classes));
    return v;
}

// Device copies of host vectors, and back.
template <typename T>
DeviceBuffer up(const std::vector<T>& h) {
    DeviceBuffer d = gpu().device(h.size() * sizeof(T));
    gpu().copy_h2d(d.data(), h.data(), h.size() * sizeof(T), GpuStream::compute);
    return d;
}
std::vector<float> down(const DeviceBuffer& d, size_t n) {
    std::vector<float> h(n);
    gpu().synchronize(GpuStream::compute);
    gpu().copy_d2h(h.data(), d.data(), n * sizeof(float), GpuStream::compute);
    gpu().synchronize(GpuStream::compute);
    return h;
}

class GpuCompute : public testing::Test {
protected:
    void SetUp() override {
        try {
            gpu().set_tf32(false);
        } catch (const std::exception& e) {
            GTEST_FAIL() << e.what();
        }
    }
};

struct GemmCase { bool ta, tb, tf32; };
class GpuGemm : public GpuCompute, public testing::WithParamInterface<GemmCase> {};

TEST_P(GpuGemm, MatchesTheCpu) {
    const auto [ta, tb, tf32] = GetParam();
    gpu().set_tf32(tf32);
    const int m = 37, n = 53, k = 300;
    const auto a = random_floats(static_cast<size_t>(m) * k, 1), b = random_floats(static_cast<size_t>(k) * n, 2);
    DeviceBuffer da = up(a), db = up(b), dc = gpu().device_floats(static_cast<size_t>(m) * n);
    gpu().sgemm(ta, tb, m, n, k, 1.f, da.floats(), ta ? m : k, db.floats(), tb ? k : n, 0.f, dc.floats(), n);
    const double err = rel_error(down(dc, static_cast<size_t>(m) * n), ref::gemm(ta, tb, m, n, k, a, b));
    std::cout << "[ gemm     ] ta " << ta << " tb " << tb << (tf32 ? " TF32" : " FP32") << " rel error " << err << "\n";
    EXPECT_LE(err, tf32 ? kTf32 : kFp32);
}

INSTANTIATE_TEST_SUITE_P(AllTranspositions, GpuGemm,
                         testing::Values(GemmCase{false, false, false}, GemmCase{true, false, false},
                                         GemmCase{false, true, false}, GemmCase{true, true, false},
                                         GemmCase{false, false, true}, GemmCase{false, true, true},
                                         GemmCase{true, false, true}));

TEST_F(GpuCompute, BiasActivationForwardAndBackward) {
    const int rows = 129, cols = 67;
    const size_t n = static_cast<size_t>(rows) * cols;
    const auto z = random_floats(n, 3, -3.f, 3.f), bias = random_floats(cols, 4), dy = random_floats(n, 5);
    for (auto act : {GpuActivation::identity, GpuActivation::relu, GpuActivation::gelu}) {
        DeviceBuffer dz = up(z), dbias = up(bias), da = gpu().device_floats(n), ddy = up(dy),
                     ddx = gpu().device_floats(n);
        gpu().bias_activation(act, dz.floats(), dbias.floats(), da.floats(), rows, cols);
        gpu().activation_backward(act, dz.floats(), ddy.floats(), ddx.floats(), n);
        std::vector<double> want_z(n), want_a(n), want_dx(n);
        for (size_t i = 0; i < n; ++i) {
            const double v = static_cast<double>(z[i]) + bias[i % cols];
            want_z[i] = v;
            want_a[i] = act == GpuActivation::relu ? ref::relu(v) : act == GpuActivation::gelu ? ref::gelu(v) : v;
            const double g = act == GpuActivation::relu ? (v > 0 ? 1 : 0)
                             : act == GpuActivation::gelu ? ref::gelu_grad(v)
                                                          : 1;
            want_dx[i] = g * dy[i];
        }
        EXPECT_LE(rel_error(down(dz, n), want_z), kFp32);
        EXPECT_LE(rel_error(down(da, n), want_a), kFp32) << "activation " << static_cast<int>(act);
        EXPECT_LE(rel_error(down(ddx, n), want_dx), kFp32) << "activation " << static_cast<int>(act);
    }
}

TEST_F(GpuCompute, LossesAndArgmaxMatchTheCpu) {
    const int rows = 300, cols = 10;
    const size_t n = static_cast<size_t>(rows) * cols;
    const auto z = random_floats(n, 6, -4.f, 4.f);
    const auto y = random_labels(rows, cols, 7);
    const double scale = 1.0 / rows;
    DeviceBuffer dz = up(z), dy = up(y), loss = gpu().device_floats(rows), grad = gpu().device_floats(n),
                 correct = gpu().device_floats(rows), total = gpu().device_floats(1);
    for (bool hinge : {false, true}) {
        if (hinge) gpu().hinge(dz.floats(), dy.ints(), rows, cols, static_cast<float>(scale), 1.f, loss.floats(), grad.floats());
        else gpu().softmax_xent(dz.floats(), dy.ints(), rows, cols, static_cast<float>(scale), loss.floats(), grad.floats());
        std::vector<double> want_loss(rows), want_grad(n);
        for (int r = 0; r < rows; ++r) {
            const float* zr = z.data() + static_cast<size_t>(r) * cols;
            double* gr = want_grad.data() + static_cast<size_t>(r) * cols;
            want_loss[r] = hinge ? ref::hinge(zr, cols, y[r], scale, 1.0, gr) : ref::softmax_xent(zr, cols, y[r], scale, gr);
        }
        EXPECT_LE(rel_error(down(loss, rows), want_loss), kFp32) << (hinge ? "hinge" : "softmax");
        EXPECT_LE(rel_error(down(grad, n), want_grad), kFp32) << (hinge ? "hinge" : "softmax");
    }
    gpu().argmax_match(dz.floats(), dy.ints(), rows, cols, correct.floats());
    gpu().sum(correct.floats(), rows, total.floats());
    int want = 0;
    for (int r = 0; r < rows; ++r) {
        const float* zr = z.data() + static_cast<size_t>(r) * cols;
        want += static_cast<int>(std::max_element(zr, zr + cols) - zr) == y[r];
    }
    EXPECT_EQ(down(total, 1)[0], static_cast<float>(want));
}

TEST_F(GpuCompute, LabelOutsideTheClassesGivesNaNNotAWildWrite) {
    const std::vector<float> z(2 * 4, 0.5f);
    const std::vector<int32_t> y{1, 9};
    DeviceBuffer dz = up(z), dy = up(y), loss = gpu().device_floats(2), grad = gpu().device_floats(8);
    gpu().softmax_xent(dz.floats(), dy.ints(), 2, 4, 0.5f, loss.floats(), grad.floats());
    const auto l = down(loss, 2);
    EXPECT_FALSE(std::isnan(l[0]));
    EXPECT_TRUE(std::isnan(l[1]));
    const auto g = down(grad, 8);
    for (int j = 4; j < 8; ++j) EXPECT_EQ(g[j], 0.f);
}

TEST_F(GpuCompute, OptimizersMatchTheCpu) {
    const size_t n = 10007;
    const auto w0 = random_floats(n, 8), g = random_floats(n, 9), v0 = random_floats(n, 10, 0.f, 0.1f),
               m0 = random_floats(n, 11, -0.1f, 0.1f);
    const float lr = 0.05f, mu = 0.9f, wd = 1e-4f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    const int t = 3;
    DeviceBuffer dw = up(w0), dv = up(v0), dg = up(g), dm = up(m0);
    gpu().sgd_momentum(dw.floats(), dv.floats(), dg.floats(), n, lr, mu, wd);
    std::vector<double> want_w(n), want_v(n);
    for (size_t i = 0; i < n; ++i) {
        const double gd = g[i] + static_cast<double>(wd) * w0[i];
        want_v[i] = mu * static_cast<double>(v0[i]) + gd;
        want_w[i] = w0[i] - static_cast<double>(lr) * want_v[i];
    }
    EXPECT_LE(rel_error(down(dw, n), want_w), kFp32);
    EXPECT_LE(rel_error(down(dv, n), want_v), kFp32);

    DeviceBuffer aw = up(w0), am = up(m0), av = up(v0);
    gpu().adam(aw.floats(), am.floats(), av.floats(), dg.floats(), n, lr, b1, b2, eps, wd, t);
    std::vector<double> want_aw(n), want_am(n), want_av(n);
    for (size_t i = 0; i < n; ++i) {
        const double gd = g[i] + static_cast<double>(wd) * w0[i];
        want_am[i] = b1 * static_cast<double>(m0[i]) + (1 - static_cast<double>(b1)) * gd;
        want_av[i] = b2 * static_cast<double>(v0[i]) + (1 - static_cast<double>(b2)) * gd * gd;
        const double mh = want_am[i] / (1 - std::pow(static_cast<double>(b1), t));
        const double vh = want_av[i] / (1 - std::pow(static_cast<double>(b2), t));
        want_aw[i] = w0[i] - lr * mh / (std::sqrt(vh) + eps);
    }
    EXPECT_LE(rel_error(down(aw, n), want_aw), kFp32);
    EXPECT_LE(rel_error(down(am, n), want_am), kFp32);
    EXPECT_LE(rel_error(down(av, n), want_av), kFp32);
}

TEST_F(GpuCompute, ReductionsMatchTheCpu) {
    const int rows = 4096, cols = 130;
    const auto x = random_floats(static_cast<size_t>(rows) * cols, 12);
    const auto prev = random_floats(cols, 13);
    DeviceBuffer dx = up(x), out = up(prev), total = gpu().device_floats(1);
    gpu().column_sum(dx.floats(), rows, cols, 0.5f, out.floats());
    gpu().sum(dx.floats(), x.size(), total.floats());
    std::vector<double> want(cols);
    double all = 0;
    for (int c = 0; c < cols; ++c) {
        double s = 0;
        for (int r = 0; r < rows; ++r) s += x[static_cast<size_t>(r) * cols + c];
        want[c] = 0.5 * prev[c] + s;
        all += s;
    }
    EXPECT_LE(rel_error(down(out, cols), want), kFp32);
    // The sum of 532k values in [-1, 1] is small against its terms: compare with their scale.
    EXPECT_NEAR(down(total, 1)[0], all, 1e-4 * static_cast<double>(x.size()) * 0.5);
}

std::vector<int32_t> down_ints(const DeviceBuffer& d, size_t n) {
    std::vector<int32_t> h(n);
    gpu().synchronize(GpuStream::compute);
    gpu().copy_d2h(h.data(), d.data(), n * sizeof(int32_t), GpuStream::compute);
    gpu().synchronize(GpuStream::compute);
    return h;
}

TEST_F(GpuCompute, LayerStackKernelsMatchTheCpu) {
    // Stand-alone activation, per-channel bias and its gradient (inner > 1, as Conv2d), dropout.
    const int outer = 5, channels = 7, inner = 33;
    const size_t n = static_cast<size_t>(outer) * channels * inner;
    const auto x = random_floats(n, 40, -3.f, 3.f), bias = random_floats(channels, 41);
    std::vector<float> keep(n);
    for (size_t i = 0; i < n; ++i) keep[i] = (i * 7919) % 3 == 0 ? 0.f : 1.f;
    DeviceBuffer dx = up(x), db = up(bias), dk = up(keep), y = gpu().device_floats(n), gb = gpu().device_floats(channels);
    gpu().activation(GpuActivation::gelu, dx.floats(), y.floats(), n);
    std::vector<double> want(n);
    for (size_t i = 0; i < n; ++i) want[i] = ref::gelu(x[i]);
    EXPECT_LE(rel_error(down(y, n), want), kFp32) << "gelu";
    gpu().dropout(dx.floats(), dk.floats(), 1.5f, y.floats(), n);
    for (size_t i = 0; i < n; ++i) want[i] = x[i] * keep[i] * 1.5;
    EXPECT_LE(rel_error(down(y, n), want), kFp32) << "dropout";
    gpu().dropout_grad(dx.floats(), dk.floats(), 1.5f, y.floats(), n);
    EXPECT_LE(rel_error(down(y, n), want), kFp32) << "dropout_grad";
    gpu().bias_add(dx.floats(), db.floats(), outer, channels, inner);
    for (size_t i = 0; i < n; ++i) want[i] = static_cast<double>(x[i]) + bias[(i / inner) % channels];
    EXPECT_LE(rel_error(down(dx, n), want), kFp32) << "bias_add";
    gpu().bias_grad(dx.floats(), outer, channels, inner, gb.floats());
    std::vector<double> want_gb(channels, 0.0);
    for (size_t i = 0; i < n; ++i) want_gb[(i / inner) % channels] += want[i];
    EXPECT_LE(rel_error(down(gb, channels), want_gb), kFp32) << "bias_grad";
}

// The batched convolution's kernels (the table's appended block) against per-sample loops on the
// host: n samples unfolded side by side, folded back, and the swap of two outer axes. Stride 2,
// padding, odd sizes; exact (they only move and add floats in a fixed order).
TEST_F(GpuCompute, LayerStackBatchedConvolutionKernelsMatchTheCpu) {
    const int n = 5, c = 3, h = 9, w = 7, k = 3, stride = 2, pad = 1;
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const size_t ohw = static_cast<size_t>(oh) * ow, rows = static_cast<size_t>(c) * k * k, per = static_cast<size_t>(c) * h * w;
    const size_t ncol = rows * n * ohw, nx = per * n;
    const auto x = random_floats(nx, 60), colv = random_floats(ncol, 61);
    DeviceBuffer dx = up(x), dcol = gpu().device_floats(ncol), dc_in = up(colv), back = gpu().device_floats(nx);
    gpu().im2col_batch(dx.floats(), n, c, h, w, k, stride, pad, dcol.floats());
    gpu().col2im_batch(dc_in.floats(), n, c, h, w, k, stride, pad, back.floats());
    std::vector<double> want_col(ncol, 0.0), want_back(nx, 0.0);
    for (int s = 0; s < n; ++s)
        for (int ch = 0; ch < c; ++ch)
            for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx)
                    for (int oy = 0; oy < oh; ++oy)
                        for (int ox = 0; ox < ow; ++ox) {
                            const size_t row = (static_cast<size_t>(ch) * k + ky) * k + kx;
                            const size_t ci = row * n * ohw + s * ohw + static_cast<size_t>(oy) * ow + ox;
                            const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            const size_t xi = s * per + (static_cast<size_t>(ch) * h + iy) * w + ix;
                            want_col[ci] = x[xi];
                            want_back[xi] += colv[ci];
                        }
    EXPECT_LE(rel_error(down(dcol, ncol), want_col), 0.0) << "im2col_batch";
    EXPECT_LE(rel_error(down(back, nx), want_back), kFp32) << "col2im_batch";

    const int a = 6, b = 5, inner = 37;
    const auto t = random_floats(static_cast<size_t>(a) * b * inner, 62);
    DeviceBuffer dt = up(t), du = gpu().device_floats(t.size());
    gpu().transpose_outer(dt.floats(), a, b, inner, du.floats());
    std::vector<double> want_t(t.size());
    for (int i = 0; i < a; ++i)
        for (int j = 0; j < b; ++j)
            for (int q = 0; q < inner; ++q)
                want_t[(static_cast<size_t>(j) * a + i) * inner + q] = t[(static_cast<size_t>(i) * b + j) * inner + q];
    EXPECT_LE(rel_error(down(du, t.size()), want_t), 0.0) << "transpose_outer";
    // Bad arguments are refused with a clear error, not launched.
    EXPECT_THROW(gpu().transpose_outer(dt.floats(), a, b, inner, dt.floats()), GpuError);
    EXPECT_THROW(gpu().im2col_batch(dx.floats(), 0, c, h, w, k, stride, pad, dcol.floats()), GpuError);
}

// 8-bit batches to float on the device: the same bits as the host's collate (no fused multiply-add).
TEST_F(GpuCompute, EightBitCollateMatchesTheHostBitForBit) { bs_test::expect_device_collate_matches_host(gpu()); }

TEST_F(GpuCompute, Im2colCol2imAndMaxPoolMatchTheCpu) {
    const int c = 3, h = 9, w = 7, k = 3, stride = 2, pad = 1;
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const size_t ncol = static_cast<size_t>(c) * k * k * oh * ow, nx = static_cast<size_t>(c) * h * w;
    const auto x = random_floats(nx, 50), colv = random_floats(ncol, 51);
    DeviceBuffer dx = up(x), dcol = gpu().device_floats(ncol), dc_in = up(colv), back = gpu().device_floats(nx);
    gpu().im2col(dx.floats(), c, h, w, k, stride, pad, dcol.floats());
    gpu().col2im(dc_in.floats(), c, h, w, k, stride, pad, back.floats());
    std::vector<double> want_col(ncol, 0.0), want_back(nx, 0.0);
    for (int ch = 0; ch < c; ++ch)
        for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx)
                for (int oy = 0; oy < oh; ++oy)
                    for (int ox = 0; ox < ow; ++ox) {
                        const size_t ci = ((static_cast<size_t>(ch) * k + ky) * k + kx) * oh * ow + static_cast<size_t>(oy) * ow + ox;
                        const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        const size_t xi = (static_cast<size_t>(ch) * h + iy) * w + ix;
                        want_col[ci] = x[xi];
                        want_back[xi] += colv[ci];
                    }
    EXPECT_LE(rel_error(down(dcol, ncol), want_col), kFp32) << "im2col";
    EXPECT_LE(rel_error(down(back, nx), want_back), kFp32) << "col2im";

    for (const auto& [pk, ps] : {std::pair{2, 2}, std::pair{3, 2}}) {  // plain and overlapping windows
        const int poh = (h - pk) / ps + 1, pow_ = (w - pk) / ps + 1;
        const size_t ny = static_cast<size_t>(c) * poh * pow_;
        const auto dyv = random_floats(ny, 52);
        DeviceBuffer y = gpu().device_floats(ny), arg = gpu().device(ny * sizeof(int32_t)), ddy = up(dyv),
                     ddx = gpu().device_floats(nx);
        gpu().maxpool(dx.floats(), c, h, w, pk, ps, y.floats(), arg.ints());
        gpu().maxpool_grad(ddy.floats(), arg.ints(), c, h, w, pk, ps, ddx.floats());
        std::vector<double> want_y(ny), want_dx(nx, 0.0);
        std::vector<int32_t> want_arg(ny);
        for (int p = 0; p < c; ++p)
            for (int oy = 0; oy < poh; ++oy)
                for (int ox = 0; ox < pow_; ++ox) {
                    int best = (oy * ps) * w + ox * ps;
                    for (int dy2 = 0; dy2 < pk; ++dy2)
                        for (int dx2 = 0; dx2 < pk; ++dx2) {
                            const int i = (oy * ps + dy2) * w + ox * ps + dx2;
                            if (x[static_cast<size_t>(p) * h * w + i] > x[static_cast<size_t>(p) * h * w + best]) best = i;
                        }
                    const size_t o = (static_cast<size_t>(p) * poh + oy) * pow_ + ox;
                    want_y[o] = x[static_cast<size_t>(p) * h * w + best];
                    want_arg[o] = best;
                    want_dx[static_cast<size_t>(p) * h * w + best] += dyv[o];
                }
        EXPECT_LE(rel_error(down(y, ny), want_y), kFp32) << "maxpool k" << pk;
        EXPECT_EQ(down_ints(arg, ny), want_arg) << "maxpool k" << pk;
        EXPECT_LE(rel_error(down(ddx, nx), want_dx), kFp32) << "maxpool_grad k" << pk;
    }
}

// One or more whole training steps of the MLP 784-256-128-10: GPU against the CPU model.
double max_layer_error(GpuMlp& g, const Mlp& cpu, const Mlp& before) {
    double worst = 0;
    for (size_t l = 0; l < cpu.layer_count(); ++l) {
        std::vector<float> w, b;
        g.read_layer(l, w, b);
        // Compare the UPDATES (after - before): the weights themselves would hide any error.
        auto delta = [](std::span<const float> after, std::span<const float> was, const std::vector<float>& got,
                        std::vector<float>& got_delta) {
            std::vector<double> want(after.size());
            got_delta.resize(after.size());
            for (size_t i = 0; i < after.size(); ++i) {
                want[i] = static_cast<double>(after[i]) - was[i];
                got_delta[i] = got[i] - was[i];
            }
            return want;
        };
        std::vector<float> gw, gb;
        const auto ww = delta(cpu.layer_weights(l), before.layer_weights(l), w, gw);
        const auto wb = delta(cpu.layer_biases(l), before.layer_biases(l), b, gb);
        worst = std::max({worst, rel_error(gw, ww), rel_error(gb, wb)});
    }
    return worst;
}

void check_training_steps(bool tf32, int steps) {
    gpu().set_tf32(tf32);
    const std::vector<int> widths{784, 256, 128, 10};
    const int b = 128;
    Mlp cpu(widths, 42);
    const Mlp before = cpu;
    GpuMlp g(gpu(), widths, b);
    g.load_from(cpu);
    double worst_loss = 0;
    for (int s = 0; s < steps; ++s) {
        const auto x = random_floats(static_cast<size_t>(b) * 784, 100 + s, 0.f, 1.f);
        const auto y = random_labels(b, 10, 200 + s);
        const float lc = cpu.train_step(x.data(), y.data(), b, 0.05f, 0.9f);
        const float lg = g.train_step(x.data(), y.data(), b, 0.05f, 0.9f);
        worst_loss = std::max(worst_loss, std::abs(static_cast<double>(lg) - lc) / std::abs(static_cast<double>(lc)));
    }
    const double err = max_layer_error(g, cpu, before);
    std::cout << "[ mlp step ] " << (tf32 ? "TF32" : "FP32") << ", " << steps << " step(s): loss rel error "
              << worst_loss << ", parameter-update rel error " << err << "\n";
    const double tol = tf32 ? kTf32 : kFp32;
    EXPECT_LE(worst_loss, tol);
    EXPECT_LE(err, tol);
}

TEST_F(GpuCompute, WholeMlpTrainingStepMatchesTheCpuFp32) { check_training_steps(false, 1); }
TEST_F(GpuCompute, ThreeMlpTrainingStepsMatchTheCpuFp32) { check_training_steps(false, 3); }
TEST_F(GpuCompute, WholeMlpTrainingStepMatchesTheCpuTf32) { check_training_steps(true, 1); }

// The next batch's copy (copy stream) runs while this batch computes (compute stream), and a
// step never starts before its own copy is done. Measured with the pipeline's own events. The
// batches are staged as the training loop stages them: straight from page-locked buffers (the
// loader's), no copy on the host (12.8 MB at batch 4096 would take longer than the step).
TEST_F(GpuCompute, NextBatchCopyOverlapsThisBatchCompute) {
    const std::vector<int> widths{784, 256, 128, 10};
    const int b = 4096;
    GpuMlp g(gpu(), widths, b);
    Mlp cpu(widths, 1);
    g.load_from(cpu);
    const auto xs = random_floats(static_cast<size_t>(b) * 784, 20, 0.f, 1.f);
    const auto ys = random_labels(b, 10, 21);
    PinnedBuffer x = gpu().pinned_floats(xs.size()), y = gpu().pinned(ys.size() * sizeof(int32_t));
    std::memcpy(x.data(), xs.data(), xs.size() * sizeof(float));
    std::memcpy(y.data(), ys.data(), ys.size() * sizeof(int32_t));
    int slot = g.stage_pinned(x.floats(), y.ints(), b);
    double best_overlap_ms = 0;
    for (int it = 0; it < 8; ++it) {
        g.step(slot, 0.01f, 0.9f);
        const int next = g.stage_pinned(x.floats(), y.ints(), b);  // copy queued while `slot` computes
        (void)g.loss(slot);
        gpu().synchronize(g.copy_done(next));
        // Times relative to this step's compute start.
        const float copy_begin = gpu().elapsed_ms(g.compute_start(slot), g.copy_start(next));
        const float copy_end = gpu().elapsed_ms(g.compute_start(slot), g.copy_done(next));
        const float compute_end = gpu().elapsed_ms(g.compute_start(slot), g.compute_done(slot));
        const float own_copy_to_compute = gpu().elapsed_ms(g.copy_done(slot), g.compute_start(slot));
        EXPECT_GE(own_copy_to_compute, 0.f) << "a step started before its batch had arrived";
        const double overlap = std::max(0.f, std::min(copy_end, compute_end) - std::max(copy_begin, 0.f));
        std::cout << "[ overlap  ] iteration " << it << ": compute 0.." << compute_end << " ms, next copy "
                  << copy_begin << ".." << copy_end << " ms, overlap " << overlap << " ms\n";
        best_overlap_ms = std::max(best_overlap_ms, overlap);
        slot = next;
    }
    EXPECT_GT(best_overlap_ms, 0.0) << "the copy stream never ran beside the compute stream";
}

TEST_F(GpuCompute, SteadyTrainingDoesNotAllocate) {
    const std::vector<int> widths{784, 256, 128, 10};
    GpuMlp g(gpu(), widths, 256);
    Mlp cpu(widths, 2);
    g.load_from(cpu);
    const auto x = random_floats(256 * 784, 30, 0.f, 1.f);
    const auto y = random_labels(256, 10, 31);
    g.train_step(x.data(), y.data(), 256, 0.01f, 0.9f);
    const auto before = gpu().memory_stats();
    for (int i = 0; i < 20; ++i) g.train_step(x.data(), y.data(), 100 + i, 0.01f, 0.9f);
    const auto after = gpu().memory_stats();
    EXPECT_EQ(after.device_mallocs, before.device_mallocs);
    EXPECT_GT(after.device_total_bytes, 0u);
    EXPECT_GT(after.device_free_bytes, 0u);
    EXPECT_GE(after.pool_in_use_bytes, g.device_bytes());
    std::cout << "[ memory   ] pool " << after.pool_reserved_bytes << " B reserved, " << after.pool_in_use_bytes
              << " B in use, " << after.device_mallocs << " cudaMalloc calls, pinned " << after.pinned_bytes
              << " B; device " << after.device_free_bytes << " free of " << after.device_total_bytes << "\n";
}

TEST_F(GpuCompute, OutOfMemoryIsAClearError) {
    try {
        (void)gpu().device(uint64_t{1} << 50);  // 1 PiB
        FAIL() << "a 1 PiB allocation succeeded";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::out_of_memory);
        EXPECT_THAT(e.what(), testing::HasSubstr("out of GPU memory: asked for"));
        EXPECT_THAT(e.what(), testing::HasSubstr("use a smaller batch size"));
    }
    // The backend still works afterwards.
    DeviceBuffer d = up(std::vector<float>{1.f, 2.f});
    EXPECT_EQ(down(d, 2)[1], 2.f);
}

TEST(GpuComputePool, PoolLimitGivesOutOfMemoryForABigBatch) {
    GpuBackendOptions o;
    o.pool_limit_bytes = 4u << 20;  // 4 MiB
    std::string why;
    auto small = GpuBackend::open(o, why);
    ASSERT_TRUE(small) << why;
    try {
        GpuMlp g(*small, {784, 256, 128, 10}, 4096);
        FAIL() << "batch 4096 fitted in 4 MiB";
    } catch (const GpuError& e) {
        EXPECT_EQ(e.code(), GpuErrc::out_of_memory);
        EXPECT_THAT(e.what(), testing::HasSubstr("pool limit 4.0 MiB"));
    }
    GpuMlp fits(*small, {784, 256, 128, 10}, 32);  // a small batch still fits
    EXPECT_GT(fits.device_bytes(), 0u);
}

}  // namespace
