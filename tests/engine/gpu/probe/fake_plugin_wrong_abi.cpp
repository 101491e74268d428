// A plugin from "another Batchscope version": it ignores the requested ABI and hands out a
// table of the next ABI version.
#include "batchscope/engine/gpu_plugin_abi.h"

namespace {
int32_t never_called(BsGpuProbeInfo*) { return BS_GPU_PROBE_CUDA_ERROR; }
constexpr BsGpuPluginApi kApi{sizeof(BsGpuPluginApi), BS_GPU_PLUGIN_ABI_VERSION + 1,
                              "wrong ABI fake", &never_called, /*cupti=*/nullptr,
                              /*compute=*/nullptr};
}  // namespace

extern "C" __attribute__((visibility("default"))) const BsGpuPluginApi*
batchscope_gpu_plugin_entry(uint32_t) {
    return &kApi;
}
