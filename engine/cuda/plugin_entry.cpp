// The plugin's one exported symbol: hands the core its function table (gpu_plugin_abi.h).
// Every other symbol of the module is hidden (plugin.map).
#include "compute_api.h"
#include "cuda_probe.h"
#include "cupti_api.h"

#include "batchscope/engine/gpu_plugin_abi.h"

namespace {

const BsGpuPluginApi kApi{
    sizeof(BsGpuPluginApi),
    BS_GPU_PLUGIN_ABI_VERSION,
    "batchscope_cuda " BATCHSCOPE_VERSION_TEXT " (CUDA runtime " BATCHSCOPE_CUDA_VERSION_TEXT
    ", static; cuBLAS)",
    &batchscope::cuda::probe,
    batchscope::cuda::cupti_collector_api(),
    batchscope::cuda::compute_api(),
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const BsGpuPluginApi*
batchscope_gpu_plugin_entry(uint32_t requested_abi) {
    return requested_abi == BS_GPU_PLUGIN_ABI_VERSION ? &kApi : nullptr;
}
