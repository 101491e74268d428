#pragma once
// Host loops standing in for the plugin's kernels in the fake compute plugin (EMULATED: no CUDA).
// Same signatures and row-major conventions as BsGpuComputeApi; per-element math from
// elementwise_math.h, as in the CUDA kernels.
#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/model/elementwise_math.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace fake_kernels {

namespace m = batchscope::engine::math;

inline float act_fwd(int32_t act, float x) {
    return act == BS_GPU_ACT_RELU ? m::relu(x) : act == BS_GPU_ACT_GELU ? m::gelu(x) : x;
}
inline float act_bwd(int32_t act, float x, float g) {
    return act == BS_GPU_ACT_RELU ? m::relu_grad(x, g) : act == BS_GPU_ACT_GELU ? m::gelu_grad(x, g) : g;
}

inline int32_t sgemm(BsGpuContext*, int32_t ta, int32_t tb, int32_t M, int32_t N, int32_t K, float alpha,
                     const float* a, int32_t lda, const float* b, int32_t ldb, float beta, float* c, int32_t ldc) {
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            double s = 0;
            for (int p = 0; p < K; ++p)
                s += static_cast<double>(ta ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p]) *
                     (tb ? b[static_cast<size_t>(j) * ldb + p] : b[static_cast<size_t>(p) * ldb + j]);
            float& out = c[static_cast<size_t>(i) * ldc + j];
            out = alpha * static_cast<float>(s) + (beta == 0.f ? 0.f : beta * out);
        }
    return BS_GPU_OK;
}

inline int32_t bias_activation(BsGpuContext*, int32_t act, float* z, const float* bias, float* a, int32_t rows,
                               int32_t cols) {
    for (size_t i = 0; i < static_cast<size_t>(rows) * cols; ++i) {
        z[i] += bias[i % cols];
        if (a) a[i] = act_fwd(act, z[i]);
    }
    return BS_GPU_OK;
}

inline int32_t activation_backward(BsGpuContext*, int32_t act, const float* x, const float* dy, float* dx,
                                   uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) dx[i] = act_bwd(act, x[i], dy[i]);
    return BS_GPU_OK;
}

// A label outside [0, cols) gives its row a NaN loss and a zero gradient, as the CUDA kernels do
// (compute_kernels.cu, bad_label): visible, never a write outside the row.
inline bool bad_label(int32_t label, int32_t cols, float& row_loss, float* grad_row) {
    if (label >= 0 && label < cols) return false;
    row_loss = std::numeric_limits<float>::quiet_NaN();
    for (int32_t j = 0; j < cols; ++j) grad_row[j] = 0.f;
    return true;
}

inline int32_t softmax_xent(BsGpuContext*, const float* z, const int32_t* y, int32_t rows, int32_t cols, float scale,
                            float* loss, float* grad) {
    for (int r = 0; r < rows; ++r) {
        float* g = grad + static_cast<size_t>(r) * cols;
        if (!bad_label(y[r], cols, loss[r], g))
            loss[r] = m::softmax_xent_row(z + static_cast<size_t>(r) * cols, cols, y[r], g, scale);
    }
    return BS_GPU_OK;
}

inline int32_t hinge(BsGpuContext*, const float* z, const int32_t* y, int32_t rows, int32_t cols, float scale,
                     float margin, float* loss, float* grad) {
    for (int r = 0; r < rows; ++r) {
        float* g = grad + static_cast<size_t>(r) * cols;
        if (!bad_label(y[r], cols, loss[r], g))
            loss[r] = m::hinge_crammer_singer_row(z + static_cast<size_t>(r) * cols, cols, y[r], g, scale, margin);
    }
    return BS_GPU_OK;
}

inline int32_t argmax_match(BsGpuContext*, const float* z, const int32_t* y, int32_t rows, int32_t cols, float* ok) {
    for (int r = 0; r < rows; ++r) ok[r] = m::argmax_row(z + static_cast<size_t>(r) * cols, cols) == y[r] ? 1.f : 0.f;
    return BS_GPU_OK;
}

inline int32_t sgd_momentum(BsGpuContext*, float* w, float* v, const float* g, uint64_t n, float lr, float mu,
                            float wd) {
    for (uint64_t i = 0; i < n; ++i) m::sgd_momentum_update(w[i], v[i], g[i], lr, mu, wd);
    return BS_GPU_OK;
}

inline int32_t adam(BsGpuContext*, float* w, float* mm, float* v, const float* g, uint64_t n, float lr, float b1,
                    float b2, float eps, float wd, int32_t t) {
    const auto c1 = static_cast<float>(1 - std::pow(static_cast<double>(b1), t));
    const auto c2 = static_cast<float>(1 - std::pow(static_cast<double>(b2), t));
    for (uint64_t i = 0; i < n; ++i) m::adam_update(w[i], mm[i], v[i], g[i], lr, b1, b2, eps, wd, c1, c2);
    return BS_GPU_OK;
}

inline int32_t sum(BsGpuContext*, const float* x, uint64_t n, float* out) {
    double s = 0;
    for (uint64_t i = 0; i < n; ++i) s += x[i];
    *out = static_cast<float>(s);
    return BS_GPU_OK;
}

inline int32_t column_sum(BsGpuContext*, const float* x, int32_t rows, int32_t cols, float beta, float* out) {
    for (int c = 0; c < cols; ++c) {
        double s = 0;
        for (int r = 0; r < rows; ++r) s += x[static_cast<size_t>(r) * cols + c];
        out[c] = (beta == 0.f ? 0.f : beta * out[c]) + static_cast<float>(s);
    }
    return BS_GPU_OK;
}

// ---- The layer-stack ops (same loops as the CPU backend, engine/src/model/cpu_backend.cpp).

inline int32_t activation_forward(BsGpuContext*, int32_t act, const float* x, float* y, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) y[i] = act_fwd(act, x[i]);
    return BS_GPU_OK;
}

inline int32_t bias_add(BsGpuContext*, float* y, const float* bias, int32_t outer, int32_t channels, int32_t inner) {
    for (int o = 0; o < outer; ++o)
        for (int c = 0; c < channels; ++c) {
            float* p = y + (static_cast<size_t>(o) * channels + c) * inner;
            for (int i = 0; i < inner; ++i) p[i] += bias[c];
        }
    return BS_GPU_OK;
}

inline int32_t bias_grad(BsGpuContext*, const float* dy, int32_t outer, int32_t channels, int32_t inner, float* gb) {
    for (int c = 0; c < channels; ++c) {
        double s = 0;
        for (int o = 0; o < outer; ++o) {
            const float* p = dy + (static_cast<size_t>(o) * channels + c) * inner;
            for (int i = 0; i < inner; ++i) s += p[i];
        }
        gb[c] = static_cast<float>(s);
    }
    return BS_GPU_OK;
}

inline int32_t dropout(BsGpuContext*, const float* x, const float* keep, float scale, float* y, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) y[i] = m::dropout(x[i], keep[i], scale);
    return BS_GPU_OK;
}

inline int32_t dropout_grad(BsGpuContext*, const float* dy, const float* keep, float scale, float* dx, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) dx[i] = m::dropout_grad(dy[i], keep[i], scale);
    return BS_GPU_OK;
}

inline int32_t maxpool(BsGpuContext*, const float* x, int32_t planes, int32_t h, int32_t w, int32_t k, int32_t s,
                       float* y, int32_t* arg) {
    const int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
    for (int p = 0; p < planes; ++p)
        for (int oy = 0; oy < oh; ++oy)
            for (int ox = 0; ox < ow; ++ox) {
                const size_t i = (static_cast<size_t>(p) * oh + oy) * ow + ox;
                y[i] = m::maxpool_window(x + static_cast<size_t>(p) * h * w, w, oy, ox, k, s, &arg[i]);
            }
    return BS_GPU_OK;
}

inline int32_t maxpool_grad(BsGpuContext*, const float* dy, const int32_t* arg, int32_t planes, int32_t h, int32_t w,
                            int32_t k, int32_t s, float* dx) {
    const int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
    for (size_t i = 0; i < static_cast<size_t>(planes) * h * w; ++i) dx[i] = 0.f;
    for (size_t i = 0; i < static_cast<size_t>(planes) * oh * ow; ++i)
        dx[i / (static_cast<size_t>(oh) * ow) * h * w + arg[i]] += dy[i];
    return BS_GPU_OK;
}

// ---- Batched convolution: the index math shared with the CUDA kernels (elementwise_math.h).
inline int32_t im2col_batch(BsGpuContext*, const float* x, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                            int32_t stride, int32_t pad, float* col) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const int64_t total = int64_t{c} * k * k * n * oh * ow;
    for (int64_t i = 0; i < total; ++i) {
        const int64_t src = m::im2col_batch_source(i, n, c, h, w, k, stride, pad, oh, ow);
        col[i] = src >= 0 ? x[src] : 0.f;
    }
    return BS_GPU_OK;
}

inline int32_t col2im_batch(BsGpuContext*, const float* col, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                            int32_t stride, int32_t pad, float* x) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const int64_t total = int64_t{n} * c * h * w;
    for (int64_t i = 0; i < total; ++i) x[i] = m::col2im_batch_gather(col, i, n, c, h, w, k, stride, pad, oh, ow);
    return BS_GPU_OK;
}

// One sample: the batched unfolding with n = 1, as the CUDA plugin does it (the same layout).
inline int32_t im2col(BsGpuContext* ctx, const float* x, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                      int32_t pad, float* col) {
    return im2col_batch(ctx, x, 1, c, h, w, k, stride, pad, col);
}

inline int32_t col2im(BsGpuContext* ctx, const float* col, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                      int32_t pad, float* x) {
    return col2im_batch(ctx, col, 1, c, h, w, k, stride, pad, x);
}

inline int32_t transpose_outer(BsGpuContext*, const float* x, int32_t a, int32_t b, int32_t inner, float* y) {
    for (int i = 0; i < a; ++i)
        for (int j = 0; j < b; ++j)
            for (int p = 0; p < inner; ++p)
                y[(static_cast<size_t>(j) * a + i) * inner + p] = x[(static_cast<size_t>(i) * b + j) * inner + p];
    return BS_GPU_OK;
}

// 8-bit HWC samples into CHW floats: data::Collator's arithmetic (product, then sum, each rounded).
inline int32_t collate_u8(BsGpuContext*, const uint8_t* hwc, int32_t n, int32_t pixels, int32_t channels,
                          BsGpuCollate p, float* chw) {
    for (int32_t s = 0; s < n; ++s)
        for (int32_t c = 0; c < channels; ++c)
            for (int32_t px = 0; px < pixels; ++px) {
                const size_t in = (static_cast<size_t>(s) * pixels + px) * channels + c;
                const size_t out = (static_cast<size_t>(s) * channels + c) * pixels + px;
                chw[out] = static_cast<float>(hwc[in]) * p.scale[c] + p.bias[c];
            }
    return BS_GPU_OK;
}

inline void install(BsGpuComputeApi& t) {
    t.sgemm = &sgemm;
    t.bias_activation = &bias_activation;
    t.activation_backward = &activation_backward;
    t.softmax_xent = &softmax_xent;
    t.hinge = &hinge;
    t.argmax_match = &argmax_match;
    t.sgd_momentum = &sgd_momentum;
    t.adam = &adam;
    t.sum = &sum;
    t.column_sum = &column_sum;
    t.activation_forward = &activation_forward;
    t.bias_add = &bias_add;
    t.bias_grad = &bias_grad;
    t.dropout = &dropout;
    t.dropout_grad = &dropout_grad;
    t.im2col = &im2col;
    t.col2im = &col2im;
    t.maxpool = &maxpool;
    t.maxpool_grad = &maxpool_grad;
    t.im2col_batch = &im2col_batch;
    t.col2im_batch = &col2im_batch;
    t.transpose_outer = &transpose_outer;
    t.collate_u8 = &collate_u8;
}

}  // namespace fake_kernels
