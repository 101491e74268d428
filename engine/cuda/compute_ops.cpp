// The compute table's GEMM and kernel entries: argument checks, then one cuBLAS call or kernel
// launch each, all on the compute stream.
#include "compute_ops.h"

#include "compute_check.h"
#include "compute_context.h"
#include "compute_kernels.h"

#include <algorithm>
#include <cmath>

namespace batchscope::cuda::ops {

int32_t api_sgemm(BsGpuContext* ctx, int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k, float alpha,
                  const float* a, int32_t lda, const float* b, int32_t ldb, float beta, float* c, int32_t ldc) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(m >= 0 && n >= 0 && k >= 0, "m, n, k must not be negative");
    BS_REQUIRE(a && b && c, "a, b and c must not be null");
    BS_REQUIRE(ldc >= std::max(1, n) && lda >= std::max(1, ta ? m : k) && ldb >= std::max(1, tb ? k : n),
               "a leading dimension is smaller than its row");
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands, keep the flags.
    const cublasOperation_t opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    return check_cublas(ctx, cublasSgemm(ctx->blas, opb, opa, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc),
                        "cublasSgemm");
}

int32_t api_bias_activation(BsGpuContext* ctx, int32_t act, float* z, const float* bias, float* a, int32_t rows,
                            int32_t cols) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(known_act(act), "unknown activation (0 identity, 1 ReLU, 2 GELU)");
    BS_REQUIRE(rows >= 0 && cols > 0, "rows must not be negative and cols must be positive");
    BS_REQUIRE(z && bias, "z and bias must not be null");
    BS_REQUIRE(a != z || act == BS_GPU_ACT_IDENTITY, "a may equal z only for the identity");
    if (rows == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_bias_activation(ctx->compute, act, z, bias, a, rows, cols),
                      "bias_activation kernel launch");
}

int32_t api_activation_backward(BsGpuContext* ctx, int32_t act, const float* x, const float* dy, float* dx,
                                uint64_t n) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(known_act(act), "unknown activation (0 identity, 1 ReLU, 2 GELU)");
    BS_REQUIRE((x && dy && dx) || n == 0, "x, dy and dx must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_activation_backward(ctx->compute, act, x, dy, dx, n),
                      "activation_backward kernel launch");
}

int32_t check_rows(BsGpuContext* ctx, const char* fn, const void* in, const int32_t* labels, int32_t rows,
                   int32_t cols, const void* o1, const void* o2) {
    if (rows < 0 || cols < 2) return bad(ctx, fn, "rows must not be negative and there must be at least 2 classes");
    if (rows > 0 && !(in && labels && o1 && o2)) return bad(ctx, fn, "inputs, labels and outputs must not be null");
    return BS_GPU_OK;
}

int32_t api_softmax_xent(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows, int32_t cols,
                         float grad_scale, float* row_loss, float* grad) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_rows(ctx, __func__, logits, labels, rows, cols, row_loss, grad); st || rows == 0) return st;
    return check_cuda(ctx, launch_softmax_xent(ctx->compute, logits, labels, rows, cols, grad_scale, row_loss, grad),
                      "softmax_xent kernel launch");
}

int32_t api_hinge(BsGpuContext* ctx, const float* scores, const int32_t* labels, int32_t rows, int32_t cols,
                  float grad_scale, float margin, float* row_loss, float* grad) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_rows(ctx, __func__, scores, labels, rows, cols, row_loss, grad); st || rows == 0) return st;
    return check_cuda(ctx,
                      launch_hinge(ctx->compute, scores, labels, rows, cols, grad_scale, margin, row_loss, grad),
                      "hinge kernel launch");
}

int32_t api_argmax_match(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows, int32_t cols,
                         float* row_correct) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_rows(ctx, __func__, logits, labels, rows, cols, row_correct, row_correct); st || rows == 0)
        return st;
    return check_cuda(ctx, launch_argmax_match(ctx->compute, logits, labels, rows, cols, row_correct),
                      "argmax_match kernel launch");
}

int32_t api_sgd_momentum(BsGpuContext* ctx, float* w, float* v, const float* g, uint64_t n, float lr,
                         float momentum, float weight_decay) {
    BS_REQUIRE_CTX();
    BS_REQUIRE((w && v && g) || n == 0, "w, v and g must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_sgd_momentum(ctx->compute, w, v, g, n, lr, momentum, weight_decay),
                      "sgd_momentum kernel launch");
}

int32_t api_adam(BsGpuContext* ctx, float* w, float* m, float* v, const float* g, uint64_t n, float lr, float b1,
                 float b2, float eps, float wd, int32_t t) {
    BS_REQUIRE_CTX();
    BS_REQUIRE((w && m && v && g) || n == 0, "w, m, v and g must not be null");
    BS_REQUIRE(t >= 1, "the step t starts at 1");
    BS_REQUIRE(b1 >= 0.f && b1 < 1.f && b2 >= 0.f && b2 < 1.f, "beta1 and beta2 must lie in [0, 1)");
    if (n == 0) return BS_GPU_OK;
    const float c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(b1), t));
    const float c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(b2), t));
    return check_cuda(ctx, launch_adam(ctx->compute, w, m, v, g, n, lr, b1, b2, eps, wd, c1, c2), "adam kernel launch");
}

int32_t api_sum(BsGpuContext* ctx, const float* x, uint64_t n, float* out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out && (x || n == 0), "x and out must not be null");
    return check_cuda(ctx, launch_sum(ctx->compute, x, n, out), "sum kernel launch");
}

int32_t api_column_sum(BsGpuContext* ctx, const float* x, int32_t rows, int32_t cols, float beta, float* out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(rows >= 0 && cols >= 0, "rows and cols must not be negative");
    BS_REQUIRE((x && out) || cols == 0, "x and out must not be null");
    if (cols == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_column_sum(ctx->compute, x, rows, cols, beta, out), "column_sum kernel launch");
}

int32_t api_activation_forward(BsGpuContext* ctx, int32_t act, const float* x, float* y, uint64_t n) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(known_act(act), "unknown activation (0 identity, 1 ReLU, 2 GELU)");
    BS_REQUIRE((x && y) || n == 0, "x and y must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_activation_forward(ctx->compute, act, x, y, n), "activation kernel launch");
}

int32_t api_bias_add(BsGpuContext* ctx, float* y, const float* bias, int32_t outer, int32_t channels, int32_t inner) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(outer >= 0 && channels >= 0 && inner > 0, "outer and channels must not be negative, inner positive");
    BS_REQUIRE((y && bias) || outer == 0 || channels == 0, "y and bias must not be null");
    if (outer == 0 || channels == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_bias_add(ctx->compute, y, bias, outer, channels, inner), "bias_add kernel launch");
}

int32_t api_bias_grad(BsGpuContext* ctx, const float* dy, int32_t outer, int32_t channels, int32_t inner, float* gb) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(outer >= 0 && channels >= 0 && inner > 0, "outer and channels must not be negative, inner positive");
    BS_REQUIRE((dy || outer == 0) && (gb || channels == 0), "dy and gb must not be null");
    if (channels == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_bias_grad(ctx->compute, dy, outer, channels, inner, gb), "bias_grad kernel launch");
}

int32_t dropout_common(BsGpuContext* ctx, const float* x, const float* keep, float scale, float* y, uint64_t n,
                       bool backward) {
    BS_REQUIRE_CTX();
    BS_REQUIRE((x && keep && y) || n == 0, "inputs, mask and output must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_dropout(ctx->compute, x, keep, scale, y, n, backward), "dropout kernel launch");
}
int32_t api_dropout(BsGpuContext* ctx, const float* x, const float* keep, float scale, float* y, uint64_t n) {
    return dropout_common(ctx, x, keep, scale, y, n, false);
}
int32_t api_dropout_grad(BsGpuContext* ctx, const float* dy, const float* keep, float scale, float* dx, uint64_t n) {
    return dropout_common(ctx, dy, keep, scale, dx, n, true);
}

int32_t check_conv(BsGpuContext* ctx, const char* fn, const void* in, const void* out, int32_t c, int32_t h, int32_t w,
                   int32_t k, int32_t stride, int32_t pad) {
    if (c <= 0 || h <= 0 || w <= 0 || k <= 0 || stride <= 0 || pad < 0 || h + 2 * pad < k || w + 2 * pad < k)
        return bad(ctx, fn, "need positive c, h, w, k, stride, a non-negative pad and a window that fits");
    if (!in || !out) return bad(ctx, fn, "input and output must not be null");
    return BS_GPU_OK;
}

int32_t api_im2col(BsGpuContext* ctx, const float* x, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                   int32_t pad, float* col) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, x, col, c, h, w, k, stride, pad); st) return st;
    return check_cuda(ctx, launch_im2col(ctx->compute, x, c, h, w, k, stride, pad, col), "im2col kernel launch");
}

int32_t api_col2im(BsGpuContext* ctx, const float* col, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                   int32_t pad, float* x) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, col, x, c, h, w, k, stride, pad); st) return st;
    return check_cuda(ctx, launch_col2im(ctx->compute, col, c, h, w, k, stride, pad, x), "col2im kernel launch");
}

int32_t api_maxpool(BsGpuContext* ctx, const float* x, int32_t planes, int32_t h, int32_t w, int32_t k, int32_t s,
                    float* y, int32_t* arg) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, x, y, planes, h, w, k, s, 0); st) return st;
    BS_REQUIRE(arg, "arg must not be null");
    return check_cuda(ctx, launch_maxpool(ctx->compute, x, planes, h, w, k, s, y, arg), "maxpool kernel launch");
}

int32_t api_maxpool_grad(BsGpuContext* ctx, const float* dy, const int32_t* arg, int32_t planes, int32_t h, int32_t w,
                         int32_t k, int32_t s, float* dx) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, dy, dx, planes, h, w, k, s, 0); st) return st;
    BS_REQUIRE(arg, "arg must not be null");
    return check_cuda(ctx, launch_maxpool_grad(ctx->compute, dy, arg, planes, h, w, k, s, dx),
                      "maxpool_grad launch");
}

// ---- Batched convolution.
int32_t api_im2col_batch(BsGpuContext* ctx, const float* x, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                         int32_t stride, int32_t pad, float* col) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(n > 0, "n (samples) must be positive");
    if (int32_t st = check_conv(ctx, __func__, x, col, c, h, w, k, stride, pad); st) return st;
    return check_cuda(ctx, launch_im2col_batch(ctx->compute, x, n, c, h, w, k, stride, pad, col),
                      "im2col_batch kernel launch");
}

int32_t api_col2im_batch(BsGpuContext* ctx, const float* col, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                         int32_t stride, int32_t pad, float* x) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(n > 0, "n (samples) must be positive");
    if (int32_t st = check_conv(ctx, __func__, col, x, c, h, w, k, stride, pad); st) return st;
    return check_cuda(ctx, launch_col2im_batch(ctx->compute, col, n, c, h, w, k, stride, pad, x),
                      "col2im_batch kernel launch");
}

int32_t api_transpose_outer(BsGpuContext* ctx, const float* x, int32_t a, int32_t b, int32_t inner, float* y) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(a > 0 && b > 0 && inner > 0, "a, b and inner must be positive");
    BS_REQUIRE(x && y && x != y, "x and y must not be null and must differ");
    return check_cuda(ctx, launch_transpose_outer(ctx->compute, x, a, b, inner, y), "transpose_outer kernel launch");
}

int32_t api_collate_u8(BsGpuContext* ctx, const uint8_t* hwc, int32_t n, int32_t pixels, int32_t channels,
                       BsGpuCollate params, float* chw) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(n > 0 && pixels > 0, "n (samples) and pixels must be positive");
    BS_REQUIRE(channels == 1 || channels == 3, "channels must be 1 or 3");
    BS_REQUIRE(hwc && chw, "hwc and chw must not be null");
    return check_cuda(ctx, launch_collate_u8(ctx->compute, hwc, n, pixels, channels, params, chw),
                      "collate_u8 kernel launch");
}

#undef BS_REQUIRE
#undef BS_REQUIRE_CTX

}  // namespace batchscope::cuda::ops
