#pragma once
// The plugin's probe: asks the CUDA runtime for driver, devices and device 0's name.
#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::cuda {

// Fills `info` up to info->struct_size bytes (the caller's size). Never throws.
int32_t probe(BsGpuProbeInfo* info) noexcept;

}  // namespace batchscope::cuda
