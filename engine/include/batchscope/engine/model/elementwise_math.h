#pragma once
// The per-element math of the model layers, losses and optimizers, in ONE place, as inline
// functions that compile for the CPU backend and (under nvcc) for CUDA kernels alike:
// BS_HD expands to `__host__ __device__` under __CUDACC__ and to nothing otherwise.
//
// Contract for kernel writers: every function here is pure (no allocation, no globals, no
// exceptions), takes plain floats/ints/pointers, and its name and argument order are stable.
// The CPU backend (engine/src/model/cpu_backend.cpp) loops over these; a CUDA kernel calls the
// same function per thread (per element, or per row for the losses), so CPU and GPU share it.
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define BS_HD __host__ __device__
#else
#define BS_HD
#endif

namespace batchscope::engine::math {

// ---- Activations. `x` is the layer's input (pre-activation), `g` the gradient of its output.

BS_HD inline float relu(float x) { return x > 0.f ? x : 0.f; }
BS_HD inline float relu_grad(float x, float g) { return x > 0.f ? g : 0.f; }

// GELU, exact form (PyTorch's default, approximate='none'): x * Phi(x).
BS_HD inline float gelu(float x) { return 0.5f * x * (1.f + erff(x * 0.70710678118654752f)); }
BS_HD inline float gelu_grad(float x, float g) {
    const float cdf = 0.5f * (1.f + erff(x * 0.70710678118654752f));
    const float pdf = 0.39894228040143268f * expf(-0.5f * x * x);  // 1/sqrt(2 pi) e^(-x^2/2)
    return g * (cdf + x * pdf);
}

// ---- Dropout (inverted): `keep` is 1 or 0 for this element, `scale` = 1 / (1 - p).
BS_HD inline float dropout(float x, float keep, float scale) { return x * keep * scale; }
BS_HD inline float dropout_grad(float g, float keep, float scale) { return g * keep * scale; }

// ---- Optimizer updates, one parameter at a time.

// torch.optim.SGD with momentum (dampening 0, not Nesterov) and L2 weight decay:
//   g' = g + wd * w;  v = mu * v + g';  w -= lr * v.
BS_HD inline void sgd_momentum_update(float& w, float& v, float g, float lr, float momentum, float weight_decay) {
    const float gd = g + weight_decay * w;
    v = momentum * v + gd;
    w -= lr * v;
}

// torch.optim.Adam (L2 weight decay added to the gradient, as Adam's weight_decay):
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr * (m / c1) / (sqrt(v / c2) + eps)
// with the bias corrections c1 = 1 - b1^t and c2 = 1 - b2^t computed once per step by the caller.
BS_HD inline void adam_update(float& w, float& m, float& v, float g, float lr, float beta1, float beta2, float eps,
                              float weight_decay, float bias_correction1, float bias_correction2) {
    const float gd = g + weight_decay * w;
    m = beta1 * m + (1.f - beta1) * gd;
    v = beta2 * v + (1.f - beta2) * gd * gd;
    const float mhat = m / bias_correction1;
    const float vhat = v / bias_correction2;
    w -= lr * mhat / (sqrtf(vhat) + eps);
}

// ---- Losses, one row (sample) at a time. `z` = the row's logits, `grad` receives
// dLoss/dz * grad_scale (grad_scale = 1 / batch for a batch mean). Returns the row's loss.
// `grad` may alias nothing else; `label` must be in [0, classes).

// Softmax cross-entropy: loss = logsumexp(z) - z[label]; grad = (softmax(z) - onehot) * scale.
BS_HD inline float softmax_xent_row(const float* z, int classes, int label, float* grad, float grad_scale) {
    float m = z[0];
    for (int j = 1; j < classes; ++j) m = z[j] > m ? z[j] : m;
    float sum = 0.f;
    for (int j = 0; j < classes; ++j) {
        const float e = expf(z[j] - m);
        grad[j] = e;
        sum += e;
    }
    const float inv = 1.f / sum;
    for (int j = 0; j < classes; ++j) grad[j] *= inv * grad_scale;
    grad[label] -= grad_scale;
    return logf(sum) + m - z[label];
}

// Multi-class hinge, Crammer-Singer: loss = max(0, margin + max_{j != label} z[j] - z[label]).
// Subgradient: +scale at the arg-max rival j*, -scale at the label, when the loss is positive
// (ties go to the lowest index j*).
BS_HD inline float hinge_crammer_singer_row(const float* z, int classes, int label, float* grad, float grad_scale,
                                            float margin) {
    int rival = label == 0 ? 1 : 0;
    for (int j = 0; j < classes; ++j) {
        grad[j] = 0.f;
        if (j != label && z[j] > z[rival]) rival = j;
    }
    const float l = margin + z[rival] - z[label];
    if (l <= 0.f) return 0.f;
    grad[rival] = grad_scale;
    grad[label] = -grad_scale;
    return l;
}

// Index of the largest logit (the first one on ties).
BS_HD inline int argmax_row(const float* z, int classes) {
    int a = 0;
    for (int j = 1; j < classes; ++j)
        if (z[j] > z[a]) a = j;
    return a;
}

// ---- Max pooling (k x k window, stride s, no padding) over one channel plane of h x w.
// Output (oy, ox) gets the max of its window and the flat index (in the plane) it came from.
BS_HD inline float maxpool_window(const float* plane, int w, int oy, int ox, int k, int s, int32_t* arg) {
    const int y0 = oy * s, x0 = ox * s;
    int best = y0 * w + x0;
    float m = plane[best];
    for (int dy = 0; dy < k; ++dy)
        for (int dx = 0; dx < k; ++dx) {
            const int i = (y0 + dy) * w + (x0 + dx);
            if (plane[i] > m) {
                m = plane[i];
                best = i;
            }
        }
    *arg = best;
    return m;
}

// ---- Batched unfolding for a k x k convolution (stride, zero padding) of n samples (c x h x w
// each, back to back): col is [c*k*k] x [n*oh*ow], element idx = row * (n*oh*ow) + s*oh*ow + p with
// row = (ch*k + ky)*k + kx and p = oy*ow + ox. Per-sample im2col/col2im are these with n = 1.

// The element of x that col[idx] copies (an index over the n samples), or -1 for padding.
BS_HD inline int64_t im2col_batch_source(int64_t idx, int n, int c, int h, int w, int k, int stride, int pad, int oh,
                                         int ow) {
    const int64_t ohw = int64_t(oh) * ow, cols = ohw * n;
    const int64_t row = idx / cols, col = idx % cols;
    const int64_t s = col / ohw, p = col % ohw;
    const int oy = int(p / ow), ox = int(p % ow);
    const int kx = int(row % k), ky = int((row / k) % k), ch = int(row / (int64_t(k) * k));
    const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
    if (ch >= c || iy < 0 || iy >= h || ix < 0 || ix >= w) return -1;
    return ((s * c + ch) * h + iy) * w + ix;
}

// x[xi] (xi over the n samples) folded back: the sum of the col elements copied from it, in
// (ky, kx) order from 0, the order in which col2im's loops add them.
BS_HD inline float col2im_batch_gather(const float* col, int64_t xi, int n, int c, int h, int w, int k, int stride,
                                       int pad, int oh, int ow) {
    const int ix = int(xi % w), iy = int((xi / w) % h);
    const int64_t sc = xi / (int64_t(h) * w);
    const int ch = int(sc % c);
    const int64_t s = sc / c;
    const int64_t ohw = int64_t(oh) * ow, cols = ohw * n;
    float acc = 0.f;
    for (int ky = 0; ky < k; ++ky) {
        const int ty = iy + pad - ky;
        if (ty < 0 || ty % stride != 0 || ty / stride >= oh) continue;
        for (int kx = 0; kx < k; ++kx) {
            const int tx = ix + pad - kx;
            if (tx < 0 || tx % stride != 0 || tx / stride >= ow) continue;
            acc += col[((int64_t(ch) * k + ky) * k + kx) * cols + s * ohw + int64_t(ty / stride) * ow + tx / stride];
        }
    }
    return acc;
}

}  // namespace batchscope::engine::math
