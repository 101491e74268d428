#pragma once
// Finds the CUDA plugin module, opens it with dlopen and asks it whether a GPU can be used.
// The core never links a CUDA library: without the plugin, the runtime or a driver, the answer
// is "not usable" with the reason, and the program runs on the CPU.
#include <string>

namespace batchscope::engine {

struct GpuProbeResult {
    bool usable = false;
    std::string reason;       // why not usable (empty when usable)
    std::string plugin_path;  // the module that was opened, or where it was looked for
    int device_count = 0;
    std::string device_name;  // device 0
    int driver_version = 0;   // as cudaDriverGetVersion reports it (e.g. 13000), 0 if none
    int runtime_version = 0;  // as cudaRuntimeGetVersion reports it
    int cupti_version = 0;    // cuptiGetVersion (the CUPTI API version); 0 when unknown: the plugin opens
                              // libcupti only when a run first starts its collector
    std::string summary() const;  // one line for a status bar or the CLI
};

// Looks for the plugin in $BATCHSCOPE_GPU_PLUGIN, then beside the executable, then in the
// install's lib folder. `plugin_path` overrides the search (used by tests).
GpuProbeResult probe_gpu(const std::string& plugin_path = {});

}  // namespace batchscope::engine
