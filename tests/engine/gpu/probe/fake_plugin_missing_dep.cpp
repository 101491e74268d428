// A plugin whose CUDA library is not installed: dlopen fails, naming the missing library.
#include "batchscope/engine/gpu_plugin_abi.h"

extern "C" int bs_missing_cuda_function();

extern "C" __attribute__((visibility("default"))) const BsGpuPluginApi*
batchscope_gpu_plugin_entry(uint32_t) {
    (void)bs_missing_cuda_function();  // never reached: the module does not load
    return nullptr;
}
