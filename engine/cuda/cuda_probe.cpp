#include "cuda_probe.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>

#include "cupti_loader.h"

namespace batchscope::cuda {
namespace {

void copy_text(char* dst, size_t cap, const char* src) noexcept {
    if (cap == 0) return;
    const size_t n = src ? std::min(std::strlen(src), cap - 1) : 0;
    if (n) std::memcpy(dst, src, n);
    dst[n] = '\0';
}

void set_error(BsGpuProbeInfo& info, cudaError_t err) noexcept {
    info.cuda_error = static_cast<int32_t>(err);
    copy_text(info.error_name, sizeof info.error_name, cudaGetErrorName(err));
    copy_text(info.error_text, sizeof info.error_text, cudaGetErrorString(err));
    switch (err) {
    case cudaErrorInsufficientDriver: info.status = BS_GPU_PROBE_NO_DRIVER; break;
    case cudaErrorNoDevice: info.status = BS_GPU_PROBE_NO_DEVICE; break;
    default: info.status = BS_GPU_PROBE_CUDA_ERROR; break;
    }
}

// Does the work on a full-size local; the caller copies what its side knows.
void probe_full(BsGpuProbeInfo& info) noexcept {
    // Neither call needs a driver: without one the driver version is 0.
    int version = 0;
    if (cudaDriverGetVersion(&version) == cudaSuccess) info.driver_version = version;
    version = 0;
    if (cudaRuntimeGetVersion(&version) == cudaSuccess) info.runtime_version = version;
    // CUPTI is opened only when a run asks for the collector (cupti_loader.h): its version is known
    // once that happened, 0 before (and when libcupti is missing).
    if (const CuptiFunctions* f = cupti_if_loaded()) info.cupti_version = static_cast<int32_t>(f->version);

    int count = 0;
    if (const cudaError_t err = cudaGetDeviceCount(&count); err != cudaSuccess) {
        set_error(info, err);  // count is left untouched on error: keep 0
        return;
    }
    info.device_count = count;
    if (count <= 0) {
        info.status = BS_GPU_PROBE_ZERO_DEVICES;
        return;
    }
    // The name is only in cudaDeviceProp (no cudaDeviceGetAttribute for it); reading the
    // properties does not create a context.
    cudaDeviceProp prop{};
    if (const cudaError_t err = cudaGetDeviceProperties(&prop, 0); err != cudaSuccess) {
        set_error(info, err);
        return;
    }
    copy_text(info.device_name, sizeof info.device_name, prop.name);
    info.status = BS_GPU_PROBE_OK;
}

}  // namespace

int32_t probe(BsGpuProbeInfo* info) noexcept {
    if (!info || info->struct_size < sizeof(uint32_t)) return BS_GPU_PROBE_CUDA_ERROR;
    BsGpuProbeInfo full{};
    full.struct_size = sizeof full;
    probe_full(full);
    // Copy only what the caller's struct holds: a newer plugin may know more fields.
    const uint32_t caller_size = info->struct_size;
    std::memcpy(info, &full, std::min<size_t>(caller_size, sizeof full));
    info->struct_size = std::min<uint32_t>(caller_size, sizeof full);
    return full.status;
}

}  // namespace batchscope::cuda
