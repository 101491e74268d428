// Kernels of the batched convolution (the compute table's appended block): a chunk of samples
// unfolded into one GEMM operand and folded back, and the swap of two outer axes between the
// GEMM's layout and the batch's. Index math from elementwise_math.h, shared with the CPU.
#include "compute_kernels.h"
#include "launch_shape.h"

#include "batchscope/engine/model/elementwise_math.h"

namespace batchscope::cuda {
namespace {

namespace m = batchscope::engine::math;


__global__ void im2col_batch_kernel(const float* x, int n, int c, int h, int w, int k, int stride, int pad, int oh,
                                    int ow, size_t total, float* col) {
    BS_GRID_STRIDE(i, total) {
        const int64_t src = m::im2col_batch_source(int64_t(i), n, c, h, w, k, stride, pad, oh, ow);
        col[i] = src >= 0 ? x[src] : 0.f;
    }
}

// Gather form: each input element sums the column entries that came from it (no atomics).
__global__ void col2im_batch_kernel(const float* col, int n, int c, int h, int w, int k, int stride, int pad, int oh,
                                    int ow, size_t total, float* x) {
    BS_GRID_STRIDE(i, total) x[i] = m::col2im_batch_gather(col, int64_t(i), n, c, h, w, k, stride, pad, oh, ow);
}

// y[(j * a + i) * inner + p] = x[(i * b + j) * inner + p]; consecutive threads walk p (coalesced
// reads and writes when inner is large, as a convolution's oh*ow is).
__global__ void transpose_outer_kernel(const float* x, int a, int b, int inner, size_t total, float* y) {
    BS_GRID_STRIDE(idx, total) {
        const size_t p = idx % size_t(inner), ij = idx / size_t(inner);
        const size_t i = ij / size_t(b), j = ij % size_t(b);
        y[(j * size_t(a) + i) * inner + p] = x[idx];
    }
}


}  // namespace

cudaError_t launch_im2col_batch(cudaStream_t s, const float* x, int n, int c, int h, int w, int k, int stride, int pad,
                                float* col) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const size_t total = size_t(c) * k * k * size_t(n) * oh * ow;
    im2col_batch_kernel<<<blocks_for(total), kThreads, 0, s>>>(x, n, c, h, w, k, stride, pad, oh, ow, total, col);
    return cudaGetLastError();
}

cudaError_t launch_col2im_batch(cudaStream_t s, const float* col, int n, int c, int h, int w, int k, int stride,
                                int pad, float* x) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const size_t total = size_t(n) * c * h * w;
    col2im_batch_kernel<<<blocks_for(total), kThreads, 0, s>>>(col, n, c, h, w, k, stride, pad, oh, ow, total, x);
    return cudaGetLastError();
}

cudaError_t launch_transpose_outer(cudaStream_t s, const float* x, int a, int b, int inner, float* y) {
    const size_t total = size_t(a) * b * inner;
    transpose_outer_kernel<<<blocks_for(total), kThreads, 0, s>>>(x, a, b, inner, total, y);
    return cudaGetLastError();
}

}  // namespace batchscope::cuda
