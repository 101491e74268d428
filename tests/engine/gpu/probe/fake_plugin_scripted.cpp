// A plugin without CUDA whose answers the test picks with $BS_FAKE_PROBE, read on every call:
// ok | no_driver | old_driver | no_device | zero | error | refuse_abi.
// It checks the core's ABI handling and wording on any machine.
#include "batchscope/engine/gpu_plugin_abi.h"

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

std::string_view mode() {
    const char* m = std::getenv("BS_FAKE_PROBE");
    return m ? m : "ok";
}

int32_t fake_probe(BsGpuProbeInfo* info) {
    BsGpuProbeInfo r{};
    r.runtime_version = 13000;
    r.driver_version = 13000;
    const std::string_view m = mode();
    if (m == "ok") {
        r.device_count = 2;
        std::strcpy(r.device_name, "NVIDIA H100 80GB HBM3");
    } else if (m == "no_driver" || m == "old_driver") {
        r.status = BS_GPU_PROBE_NO_DRIVER;
        r.cuda_error = 35;
        r.driver_version = m == "old_driver" ? 12040 : 0;
    } else if (m == "no_device") {
        r.status = BS_GPU_PROBE_NO_DEVICE;
        r.cuda_error = 100;
    } else if (m == "zero") {
        r.status = BS_GPU_PROBE_ZERO_DEVICES;
    } else {
        r.status = BS_GPU_PROBE_CUDA_ERROR;
        r.cuda_error = 999;
        std::strcpy(r.error_name, "cudaErrorUnknown");
        std::strcpy(r.error_text, "unknown error");
    }
    constexpr auto full = static_cast<uint32_t>(sizeof(BsGpuProbeInfo));
    const uint32_t size = info->struct_size < full ? info->struct_size : full;
    std::memcpy(info, &r, size);
    info->struct_size = size;
    return r.status;
}

constexpr BsGpuPluginApi kApi{sizeof(BsGpuPluginApi), BS_GPU_PLUGIN_ABI_VERSION, "scripted fake",
                              &fake_probe, /*cupti=*/nullptr, /*compute=*/nullptr};

}  // namespace

extern "C" __attribute__((visibility("default"))) const BsGpuPluginApi*
batchscope_gpu_plugin_entry(uint32_t requested_abi) {
    if (mode() == "refuse_abi" || requested_abi != BS_GPU_PLUGIN_ABI_VERSION) return nullptr;
    return &kApi;
}
