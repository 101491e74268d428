#pragma once
// Internal: the plugin loader behind probe_gpu(), also handing out the plugin's function table
// (used by GpuBackend). The module is opened with RTLD_NODELETE, so the table stays valid for
// the life of the process.
#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/gpu_probe.h"

#include <string>

namespace batchscope::engine {

// probe_gpu(), plus the table when the module loaded and its plugin ABI matched (even when the
// probe found no usable GPU); *api_out is left alone otherwise.
GpuProbeResult probe_gpu_impl_with_api(const std::string& plugin_path, const BsGpuPluginApi** api_out);

namespace detail {

struct LoadedGpuPlugin {
    GpuProbeResult probe;
    const BsGpuPluginApi* api = nullptr;  // null when the module did not load or its ABI differs
};
LoadedGpuPlugin load_gpu_plugin(const std::string& plugin_path);

}  // namespace detail
}  // namespace batchscope::engine
