// Kernels for the layer stack of engine/model beyond the MLP's: stand-alone activation,
// per-channel bias and its gradient, dropout, im2col/col2im and max pooling. Per-element math
// from elementwise_math.h, as in compute_kernels.cu.
#include "compute_kernels.h"
#include "launch_shape.h"

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/model/elementwise_math.h"

namespace batchscope::cuda {
namespace {

namespace m = batchscope::engine::math;



__global__ void activation_kernel(int act, const float* x, float* y, size_t n) {
    BS_GRID_STRIDE(i, n) {
        const float v = x[i];
        y[i] = act == BS_GPU_ACT_RELU ? m::relu(v) : act == BS_GPU_ACT_GELU ? m::gelu(v) : v;
    }
}

__global__ void bias_add_kernel(float* y, const float* bias, int channels, int inner, size_t n) {
    BS_GRID_STRIDE(i, n) y[i] += bias[(i / inner) % channels];
}

// One block per channel, fixed summation order.
__global__ void bias_grad_kernel(const float* dy, int outer, int channels, int inner, float* gb) {
    __shared__ float part[kThreads];
    const int c = blockIdx.x;
    const size_t per_channel = size_t(outer) * inner;
    float acc = 0.f;
    for (size_t j = threadIdx.x; j < per_channel; j += kThreads) {
        const size_t o = j / inner, i = j % inner;
        acc += dy[(o * channels + c) * inner + i];
    }
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int stride = kThreads / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) part[threadIdx.x] += part[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) gb[c] = part[0];
}

__global__ void dropout_kernel(const float* x, const float* keep, float scale, float* y, size_t n, bool backward) {
    BS_GRID_STRIDE(i, n) y[i] = backward ? m::dropout_grad(x[i], keep[i], scale) : m::dropout(x[i], keep[i], scale);
}

__global__ void maxpool_kernel(const float* x, int planes, int h, int w, int k, int s, int oh, int ow, float* y,
                               int32_t* arg) {
    const size_t n = size_t(planes) * oh * ow;
    BS_GRID_STRIDE(i, n) {
        const int ox = int(i % ow), oy = int((i / ow) % oh);
        const size_t p = i / (size_t(oh) * ow);
        y[i] = m::maxpool_window(x + p * h * w, w, oy, ox, k, s, &arg[i]);
    }
}

__global__ void maxpool_grad_kernel(const float* dy, const int32_t* arg, int h, int w, int oh, int ow, size_t n,
                                    float* dx) {
    BS_GRID_STRIDE(i, n) {
        const size_t p = i / (size_t(oh) * ow);
        atomicAdd(dx + p * h * w + arg[i], dy[i]);
    }
}

}  // namespace

cudaError_t launch_activation_forward(cudaStream_t s, int act, const float* x, float* y, size_t n) {
    activation_kernel<<<blocks_for(n), kThreads, 0, s>>>(act, x, y, n);
    return cudaGetLastError();
}

cudaError_t launch_bias_add(cudaStream_t s, float* y, const float* bias, int outer, int channels, int inner) {
    const size_t n = size_t(outer) * channels * inner;
    bias_add_kernel<<<blocks_for(n), kThreads, 0, s>>>(y, bias, channels, inner, n);
    return cudaGetLastError();
}

cudaError_t launch_bias_grad(cudaStream_t s, const float* dy, int outer, int channels, int inner, float* gb) {
    bias_grad_kernel<<<channels, kThreads, 0, s>>>(dy, outer, channels, inner, gb);
    return cudaGetLastError();
}

cudaError_t launch_dropout(cudaStream_t s, const float* x, const float* keep, float scale, float* y, size_t n,
                           bool backward) {
    dropout_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, keep, scale, y, n, backward);
    return cudaGetLastError();
}

// One sample: the batched unfolding with n = 1 (conv_batch_kernels.cu; the same layout).
cudaError_t launch_im2col(cudaStream_t s, const float* x, int c, int h, int w, int k, int stride, int pad,
                          float* col) {
    return launch_im2col_batch(s, x, 1, c, h, w, k, stride, pad, col);
}

cudaError_t launch_col2im(cudaStream_t s, const float* col, int c, int h, int w, int k, int stride, int pad,
                          float* x) {
    return launch_col2im_batch(s, col, 1, c, h, w, k, stride, pad, x);
}

cudaError_t launch_maxpool(cudaStream_t s, const float* x, int planes, int h, int w, int k, int stride, float* y,
                           int32_t* arg) {
    const int oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
    maxpool_kernel<<<blocks_for(size_t(planes) * oh * ow), kThreads, 0, s>>>(x, planes, h, w, k, stride, oh, ow, y, arg);
    return cudaGetLastError();
}

cudaError_t launch_maxpool_grad(cudaStream_t s, const float* dy, const int32_t* arg, int planes, int h, int w, int k,
                                int stride, float* dx) {
    const int oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
    if (const cudaError_t e = cudaMemsetAsync(dx, 0, size_t(planes) * h * w * sizeof(float), s); e != cudaSuccess)
        return e;
    const size_t n = size_t(planes) * oh * ow;
    maxpool_grad_kernel<<<blocks_for(n), kThreads, 0, s>>>(dy, arg, h, w, oh, ow, n, dx);
    return cudaGetLastError();
}

}  // namespace batchscope::cuda
