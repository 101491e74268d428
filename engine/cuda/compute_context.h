#pragma once
// The compute backend's context: one device, a compute stream and a copy stream, a cuBLAS
// handle, the device memory pool and the page-locked host buffers; plus the last error's text.
#include "device_pool.h"

#include "batchscope/engine/gpu_plugin_abi.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

struct BsGpuContext {
    int device = 0;
    cudaStream_t compute = nullptr;
    cudaStream_t copy = nullptr;
    cublasHandle_t blas = nullptr;
    bool tf32 = false;
    std::unique_ptr<batchscope::cuda::DevicePool> pool;
    // Page-locked host buffers may be allocated and freed from any thread (the loader's workers
    // grow their batch buffers in page-locked memory): host_m guards these two, error_m the text.
    std::mutex host_m;
    std::unordered_map<void*, size_t> pinned;  // page-locked host buffer -> bytes
    uint64_t pinned_bytes = 0;
    std::mutex error_m;
    std::string last_error;
};

namespace batchscope::cuda {

// Creates the context or returns a status with the reason in `why`.
int32_t create_context(const BsGpuComputeOptions& options, BsGpuContext*& out, std::string& why) noexcept;
void destroy_context(BsGpuContext* ctx) noexcept;

// Error recording: each returns the status it records (BS_GPU_OK for success).
int32_t fail(BsGpuContext* ctx, int32_t status, std::string message) noexcept;
// "<what> failed: cudaErrorX (text)"; out-of-memory errors map to BS_GPU_ERR_OUT_OF_MEMORY.
int32_t check_cuda(BsGpuContext* ctx, cudaError_t err, const char* what) noexcept;
int32_t check_cublas(BsGpuContext* ctx, cublasStatus_t st, const char* what) noexcept;

// The stream for a BsGpuStream value, or nullptr (and an error recorded) for an unknown one.
cudaStream_t stream_of(BsGpuContext* ctx, int32_t stream) noexcept;

// Pool-backed device allocation with a clear out-of-memory message (sizes in MiB, free/total).
int32_t device_alloc(BsGpuContext* ctx, uint64_t bytes, void** out) noexcept;
int32_t set_math_mode(BsGpuContext* ctx, bool tf32) noexcept;

std::string mib(uint64_t bytes);

}  // namespace batchscope::cuda
