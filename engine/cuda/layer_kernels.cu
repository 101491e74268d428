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


#define BS_GRID_STRIDE(i, n) \
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < (n); i += size_t(gridDim.x) * blockDim.x)

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

__global__ void im2col_kernel(const float* x, int c, int h, int w, int k, int stride, int pad, int oh, int ow,
                              float* col) {
    const size_t n = size_t(c) * k * k * oh * ow;
    BS_GRID_STRIDE(idx, n) {
        const int ox = int(idx % ow), oy = int((idx / ow) % oh);
        const size_t row = idx / (size_t(oh) * ow);  // (ch * k + ky) * k + kx
        const int kx = int(row % k), ky = int((row / k) % k), ch = int(row / (size_t(k) * k));
        const int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        col[idx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(size_t(ch) * h + iy) * w + ix] : 0.f;
    }
}

// Gather form: each input element sums the column entries that came from it (no atomics).
__global__ void col2im_kernel(const float* col, int c, int h, int w, int k, int stride, int pad, int oh, int ow,
                              float* x) {
    const size_t n = size_t(c) * h * w;
    BS_GRID_STRIDE(idx, n) {
        const int ix = int(idx % w), iy = int((idx / w) % h), ch = int(idx / (size_t(h) * w));
        float acc = 0.f;
        for (int ky = 0; ky < k; ++ky) {
            const int ty = iy + pad - ky;
            if (ty < 0 || ty % stride != 0 || ty / stride >= oh) continue;
            for (int kx = 0; kx < k; ++kx) {
                const int tx = ix + pad - kx;
                if (tx < 0 || tx % stride != 0 || tx / stride >= ow) continue;
                acc += col[((size_t(ch) * k + ky) * k + kx) * oh * ow + size_t(ty / stride) * ow + tx / stride];
            }
        }
        x[idx] = acc;
    }
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

cudaError_t launch_im2col(cudaStream_t s, const float* x, int c, int h, int w, int k, int stride, int pad,
                          float* col) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    im2col_kernel<<<blocks_for(size_t(c) * k * k * oh * ow), kThreads, 0, s>>>(x, c, h, w, k, stride, pad, oh, ow, col);
    return cudaGetLastError();
}

cudaError_t launch_col2im(cudaStream_t s, const float* col, int c, int h, int w, int k, int stride, int pad,
                          float* x) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    col2im_kernel<<<blocks_for(size_t(c) * h * w), kThreads, 0, s>>>(col, c, h, w, k, stride, pad, oh, ow, x);
    return cudaGetLastError();
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
