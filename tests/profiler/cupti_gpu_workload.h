#pragma once
#include <cuda_runtime_api.h>

// Multiplies device[0..n) by a on `stream`.
cudaError_t bs_test_launch_scale(float* device, int n, float a, cudaStream_t stream);
