// Batchscope's own kernels. Each thread applies one function of elementwise_math.h (per
// element, per row for the losses), the same function the CPU backend loops over.
#include "compute_kernels.h"
#include "launch_shape.h"

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/model/elementwise_math.h"

namespace batchscope::cuda {
namespace {

namespace m = batchscope::engine::math;


__device__ __forceinline__ float activate(int act, float x) {
    switch (act) {
    case BS_GPU_ACT_RELU: return m::relu(x);
    case BS_GPU_ACT_GELU: return m::gelu(x);
    default: return x;
    }
}

__device__ __forceinline__ float activate_grad(int act, float x, float g) {
    switch (act) {
    case BS_GPU_ACT_RELU: return m::relu_grad(x, g);
    case BS_GPU_ACT_GELU: return m::gelu_grad(x, g);
    default: return g;
    }
}

__global__ void fill_kernel(float* dst, size_t n, float value) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
        dst[i] = value;
}

__global__ void bias_activation_kernel(int act, float* z, const float* bias, float* a, int rows, int cols) {
    const size_t n = size_t(rows) * cols;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        const float v = z[i] + bias[i % cols];
        z[i] = v;
        if (a) a[i] = activate(act, v);
    }
}

__global__ void activation_backward_kernel(int act, const float* x, const float* dy, float* dx, size_t n) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
        dx[i] = activate_grad(act, x[i], dy[i]);
}

// A label outside [0, cols) gives that row a NaN loss and a zero gradient: visible, never a wild write.
__device__ __forceinline__ bool bad_label(int label, int cols, float* row_loss_r, float* grad_row) {
    if (label >= 0 && label < cols) return false;
    *row_loss_r = __int_as_float(0x7fc00000);
    for (int j = 0; j < cols; ++j) grad_row[j] = 0.f;
    return true;
}

__global__ void softmax_xent_kernel(const float* logits, const int32_t* labels, int rows, int cols,
                                    float grad_scale, float* row_loss, float* grad) {
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    float* g = grad + size_t(r) * cols;
    if (bad_label(labels[r], cols, row_loss + r, g)) return;
    row_loss[r] = m::softmax_xent_row(logits + size_t(r) * cols, cols, labels[r], g, grad_scale);
}

__global__ void hinge_kernel(const float* scores, const int32_t* labels, int rows, int cols, float grad_scale,
                             float margin, float* row_loss, float* grad) {
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    float* g = grad + size_t(r) * cols;
    if (bad_label(labels[r], cols, row_loss + r, g)) return;
    row_loss[r] = m::hinge_crammer_singer_row(scores + size_t(r) * cols, cols, labels[r], g, grad_scale, margin);
}

__global__ void argmax_match_kernel(const float* logits, const int32_t* labels, int rows, int cols,
                                    float* row_correct) {
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    row_correct[r] = m::argmax_row(logits + size_t(r) * cols, cols) == labels[r] ? 1.f : 0.f;
}

__global__ void sgd_kernel(float* w, float* v, const float* g, size_t n, float lr, float mu, float wd) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        float wi = w[i], vi = v[i];
        m::sgd_momentum_update(wi, vi, g[i], lr, mu, wd);
        w[i] = wi;
        v[i] = vi;
    }
}

__global__ void adam_kernel(float* w, float* mm, float* v, const float* g, size_t n, float lr, float b1, float b2,
                            float eps, float wd, float c1, float c2) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        float wi = w[i], mi = mm[i], vi = v[i];
        m::adam_update(wi, mi, vi, g[i], lr, b1, b2, eps, wd, c1, c2);
        w[i] = wi;
        mm[i] = mi;
        v[i] = vi;
    }
}

// One block, fixed order: the same input always gives the same bits.
constexpr int kSumThreads = 1024;
__global__ void sum_kernel(const float* x, size_t n, float* out) {
    __shared__ float part[kSumThreads];
    float acc = 0.f;
    for (size_t i = threadIdx.x; i < n; i += kSumThreads) acc += x[i];
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int stride = kSumThreads / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) part[threadIdx.x] += part[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) *out = part[0];
}

// Block (32 columns x 8 row slices); each slice sums every 8th row, then the slices are added.
constexpr int kColX = 32, kColY = 8;
__global__ void column_sum_kernel(const float* x, int rows, int cols, float beta, float* out) {
    __shared__ float part[kColY][kColX];
    const int c = blockIdx.x * kColX + threadIdx.x;
    float acc = 0.f;
    if (c < cols)
        for (int r = threadIdx.y; r < rows; r += kColY) acc += x[size_t(r) * cols + c];
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float s = 0.f;
        for (int y = 0; y < kColY; ++y) s += part[y][threadIdx.x];
        out[c] = (beta == 0.f ? 0.f : beta * out[c]) + s;
    }
}

}  // namespace

cudaError_t launch_fill(cudaStream_t s, float* dst, size_t n, float value) {
    fill_kernel<<<blocks_for(n), kThreads, 0, s>>>(dst, n, value);
    return cudaGetLastError();
}

cudaError_t launch_bias_activation(cudaStream_t s, int act, float* z, const float* bias, float* a, int rows,
                                   int cols) {
    bias_activation_kernel<<<blocks_for(size_t(rows) * cols), kThreads, 0, s>>>(act, z, bias, a, rows, cols);
    return cudaGetLastError();
}

cudaError_t launch_activation_backward(cudaStream_t s, int act, const float* x, const float* dy, float* dx,
                                       size_t n) {
    activation_backward_kernel<<<blocks_for(n), kThreads, 0, s>>>(act, x, dy, dx, n);
    return cudaGetLastError();
}

cudaError_t launch_softmax_xent(cudaStream_t s, const float* logits, const int32_t* labels, int rows, int cols,
                                float grad_scale, float* row_loss, float* grad) {
    softmax_xent_kernel<<<blocks_for(size_t(rows)), kThreads, 0, s>>>(logits, labels, rows, cols, grad_scale,
                                                                       row_loss, grad);
    return cudaGetLastError();
}

cudaError_t launch_hinge(cudaStream_t s, const float* scores, const int32_t* labels, int rows, int cols,
                         float grad_scale, float margin, float* row_loss, float* grad) {
    hinge_kernel<<<blocks_for(size_t(rows)), kThreads, 0, s>>>(scores, labels, rows, cols, grad_scale, margin,
                                                                row_loss, grad);
    return cudaGetLastError();
}

cudaError_t launch_argmax_match(cudaStream_t s, const float* logits, const int32_t* labels, int rows, int cols,
                                float* row_correct) {
    argmax_match_kernel<<<blocks_for(size_t(rows)), kThreads, 0, s>>>(logits, labels, rows, cols, row_correct);
    return cudaGetLastError();
}

cudaError_t launch_sgd_momentum(cudaStream_t s, float* w, float* v, const float* g, size_t n, float lr,
                                float momentum, float weight_decay) {
    sgd_kernel<<<blocks_for(n), kThreads, 0, s>>>(w, v, g, n, lr, momentum, weight_decay);
    return cudaGetLastError();
}

cudaError_t launch_adam(cudaStream_t s, float* w, float* mm, float* v, const float* g, size_t n, float lr,
                        float beta1, float beta2, float eps, float weight_decay, float bias_correction1,
                        float bias_correction2) {
    adam_kernel<<<blocks_for(n), kThreads, 0, s>>>(w, mm, v, g, n, lr, beta1, beta2, eps, weight_decay,
                                                   bias_correction1, bias_correction2);
    return cudaGetLastError();
}

cudaError_t launch_sum(cudaStream_t s, const float* x, size_t n, float* out) {
    sum_kernel<<<1, kSumThreads, 0, s>>>(x, n, out);
    return cudaGetLastError();
}

cudaError_t launch_column_sum(cudaStream_t s, const float* x, int rows, int cols, float beta, float* out) {
    const dim3 block(kColX, kColY);
    column_sum_kernel<<<(cols + kColX - 1) / kColX, block, 0, s>>>(x, rows, cols, beta, out);
    return cudaGetLastError();
}

}  // namespace batchscope::cuda
