#pragma once
// The plugin's CUPTI collector function table (gpu_plugin_abi.h): thin C wrappers over
// CuptiSession that never throw.
#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::cuda {

const BsCuptiCollectorApi* cupti_collector_api() noexcept;

}  // namespace batchscope::cuda
