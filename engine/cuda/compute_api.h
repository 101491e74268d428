#pragma once
// The compute backend's C function table (gpu_plugin_abi.h, BsGpuComputeApi).
#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::cuda {

const BsGpuComputeApi* compute_api() noexcept;

}  // namespace batchscope::cuda
