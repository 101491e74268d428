#pragma once
// Launchers of Batchscope's own CUDA kernels (compute_kernels.cu). Each enqueues on `stream`
// and returns cudaGetLastError() of the launch; sizes are checked by the caller (compute_api).
// The per-element math is engine/model/elementwise_math.h, shared with the CPU backend.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::cuda {

cudaError_t launch_fill(cudaStream_t s, float* dst, size_t n, float value);
cudaError_t launch_bias_activation(cudaStream_t s, int act, float* z, const float* bias, float* a, int rows,
                                   int cols);
cudaError_t launch_activation_backward(cudaStream_t s, int act, const float* x, const float* dy, float* dx,
                                       size_t n);
cudaError_t launch_softmax_xent(cudaStream_t s, const float* logits, const int32_t* labels, int rows, int cols,
                                float grad_scale, float* row_loss, float* grad);
cudaError_t launch_hinge(cudaStream_t s, const float* scores, const int32_t* labels, int rows, int cols,
                         float grad_scale, float margin, float* row_loss, float* grad);
cudaError_t launch_argmax_match(cudaStream_t s, const float* logits, const int32_t* labels, int rows, int cols,
                                float* row_correct);
cudaError_t launch_sgd_momentum(cudaStream_t s, float* w, float* v, const float* g, size_t n, float lr,
                                float momentum, float weight_decay);
cudaError_t launch_adam(cudaStream_t s, float* w, float* m, float* v, const float* g, size_t n, float lr,
                        float beta1, float beta2, float eps, float weight_decay, float bias_correction1,
                        float bias_correction2);
cudaError_t launch_sum(cudaStream_t s, const float* x, size_t n, float* out);
cudaError_t launch_column_sum(cudaStream_t s, const float* x, int rows, int cols, float beta, float* out);
cudaError_t launch_activation_forward(cudaStream_t s, int act, const float* x, float* y, size_t n);
cudaError_t launch_bias_add(cudaStream_t s, float* y, const float* bias, int outer, int channels, int inner);
cudaError_t launch_bias_grad(cudaStream_t s, const float* dy, int outer, int channels, int inner, float* gb);
cudaError_t launch_dropout(cudaStream_t s, const float* x, const float* keep, float scale, float* y, size_t n,
                           bool backward);
cudaError_t launch_im2col(cudaStream_t s, const float* x, int c, int h, int w, int k, int stride, int pad,
                          float* col);
cudaError_t launch_col2im(cudaStream_t s, const float* col, int c, int h, int w, int k, int stride, int pad,
                          float* x);
cudaError_t launch_maxpool(cudaStream_t s, const float* x, int planes, int h, int w, int k, int stride, float* y,
                           int32_t* arg);
// Zeroes dx first (on the stream), then scatters dy to the winners (atomic adds: windows may overlap).
cudaError_t launch_maxpool_grad(cudaStream_t s, const float* dy, const int32_t* arg, int planes, int h, int w, int k,
                                int stride, float* dx);
// Batched convolution (conv_batch_kernels.cu): n samples unfolded into [c*k*k] x [n*oh*ow] and
// folded back (overwriting x); [a][b][inner] -> [b][a][inner].
cudaError_t launch_im2col_batch(cudaStream_t s, const float* x, int n, int c, int h, int w, int k, int stride, int pad,
                                float* col);
cudaError_t launch_col2im_batch(cudaStream_t s, const float* col, int n, int c, int h, int w, int k, int stride,
                                int pad, float* x);
cudaError_t launch_transpose_outer(cudaStream_t s, const float* x, int a, int b, int inner, float* y);
// 8-bit HWC samples into CHW floats (collate_kernels.cu), bit-identical to the host's collate.
cudaError_t launch_collate_u8(cudaStream_t s, const uint8_t* hwc, int n, int pixels, int channels, BsGpuCollate p,
                              float* chw);

}  // namespace batchscope::cuda
