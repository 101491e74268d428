#pragma once
// Opens the real GPU plugin beside the test executable and hands out its CUPTI table.
#include <dlfcn.h>
#include <unistd.h>

#include <string>

#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::test {

inline std::string beside_this_exe(const std::string& file) {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    std::string exe(buf, n > 0 ? static_cast<size_t>(n) : 0);
    return exe.substr(0, exe.rfind('/') + 1) + file;
}

struct OpenedPlugin {
    void* handle = nullptr;
    const BsGpuPluginApi* api = nullptr;
    std::string error;

    const BsCuptiCollectorApi* cupti() const {
        if (!api || !BS_GPU_ABI_HAS_FIELD(BsGpuPluginApi, cupti, api->struct_size)) return nullptr;
        return api->cupti;
    }
};

// Kept open for the life of the process (CUPTI may still hold callbacks into it).
inline OpenedPlugin open_plugin(const std::string& file) {
    OpenedPlugin p;
    p.handle = dlopen(beside_this_exe(file).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!p.handle) {
        p.error = dlerror();
        return p;
    }
    auto entry = reinterpret_cast<BsGpuPluginEntryFn>(dlsym(p.handle, BS_GPU_PLUGIN_ENTRY_SYMBOL));
    p.api = entry ? entry(BS_GPU_PLUGIN_ABI_VERSION) : nullptr;
    if (!p.api) p.error = "no plugin table";
    return p;
}

}  // namespace batchscope::test
