// A tiny kernel for the GPU-only CUPTI test.
#include "cupti_gpu_workload.h"

namespace {
__global__ void scale_kernel(float* x, int n, float a) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}
}  // namespace

cudaError_t bs_test_launch_scale(float* device, int n, float a, cudaStream_t stream) {
    scale_kernel<<<(n + 255) / 256, 256, 0, stream>>>(device, n, a);
    return cudaGetLastError();
}
