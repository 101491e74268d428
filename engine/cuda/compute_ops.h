#pragma once
// The compute table's GEMM and kernel entries (compute_ops.cpp): checks, then one launch each.
#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::cuda::ops {

int32_t api_sgemm(BsGpuContext* ctx, int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k, float alpha,
                  const float* a, int32_t lda, const float* b, int32_t ldb, float beta, float* c, int32_t ldc);
int32_t api_bias_activation(BsGpuContext* ctx, int32_t act, float* z, const float* bias, float* a, int32_t rows,
                            int32_t cols);
int32_t api_activation_backward(BsGpuContext* ctx, int32_t act, const float* x, const float* dy, float* dx,
                                uint64_t n);
int32_t api_softmax_xent(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows, int32_t cols,
                         float grad_scale, float* row_loss, float* grad);
int32_t api_hinge(BsGpuContext* ctx, const float* scores, const int32_t* labels, int32_t rows, int32_t cols,
                  float grad_scale, float margin, float* row_loss, float* grad);
int32_t api_argmax_match(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows, int32_t cols,
                         float* row_correct);
int32_t api_sgd_momentum(BsGpuContext* ctx, float* w, float* v, const float* g, uint64_t n, float lr,
                         float momentum, float weight_decay);
int32_t api_adam(BsGpuContext* ctx, float* w, float* m, float* v, const float* g, uint64_t n, float lr, float b1,
                 float b2, float eps, float wd, int32_t t);
int32_t api_sum(BsGpuContext* ctx, const float* x, uint64_t n, float* out);
int32_t api_column_sum(BsGpuContext* ctx, const float* x, int32_t rows, int32_t cols, float beta, float* out);
int32_t api_activation_forward(BsGpuContext* ctx, int32_t act, const float* x, float* y, uint64_t n);
int32_t api_bias_add(BsGpuContext* ctx, float* y, const float* bias, int32_t outer, int32_t channels, int32_t inner);
int32_t api_bias_grad(BsGpuContext* ctx, const float* dy, int32_t outer, int32_t channels, int32_t inner, float* gb);
int32_t api_dropout(BsGpuContext* ctx, const float* x, const float* keep, float scale, float* y, uint64_t n);
int32_t api_dropout_grad(BsGpuContext* ctx, const float* dy, const float* keep, float scale, float* dx, uint64_t n);
int32_t api_im2col(BsGpuContext* ctx, const float* x, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                   int32_t pad, float* col);
int32_t api_col2im(BsGpuContext* ctx, const float* col, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                   int32_t pad, float* x);
int32_t api_maxpool(BsGpuContext* ctx, const float* x, int32_t planes, int32_t h, int32_t w, int32_t k, int32_t s,
                    float* y, int32_t* arg);
int32_t api_maxpool_grad(BsGpuContext* ctx, const float* dy, const int32_t* arg, int32_t planes, int32_t h, int32_t w,
                         int32_t k, int32_t s, float* dx);
int32_t api_im2col_batch(BsGpuContext* ctx, const float* x, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                         int32_t stride, int32_t pad, float* col);
int32_t api_col2im_batch(BsGpuContext* ctx, const float* col, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                         int32_t stride, int32_t pad, float* x);
int32_t api_transpose_outer(BsGpuContext* ctx, const float* x, int32_t a, int32_t b, int32_t inner, float* y);
int32_t api_collate_u8(BsGpuContext* ctx, const uint8_t* hwc, int32_t n, int32_t pixels, int32_t channels,
                       BsGpuCollate params, float* chw);

}  // namespace batchscope::cuda::ops
