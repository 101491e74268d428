// Finds the GPU plugin, opens it with dlopen, checks its ABI and asks it to probe the GPU.
// Every failure becomes a reason a user can act on; nothing here throws or needs CUDA.
#include "batchscope/engine/gpu_probe.h"

#include "batchscope/engine/gpu_plugin_abi.h"
#include "gpu_plugin_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

namespace batchscope::engine {
namespace {

namespace fs = std::filesystem;

// Every reason ends the same way: the program goes on without the GPU.
std::string on_cpu(std::string reason) { return reason + " — running on the CPU"; }

// Owns one dlopen reference. RTLD_NODELETE keeps the code mapped after dlclose: the CUDA
// runtime registers exit handlers and the driver starts threads that must never find the
// plugin's code gone.
class DlHandle {
public:
    // On failure the handle is empty and `error` holds dlerror()'s text.
    static DlHandle open(const std::string& path, std::string& error) {
        dlerror();  // clear a stale error
        void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!h) {
            const char* err = dlerror();
            error = err ? err : "unknown dlopen error";
        }
        return DlHandle(h);
    }
    DlHandle(DlHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    DlHandle& operator=(DlHandle&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    DlHandle(const DlHandle&) = delete;
    DlHandle& operator=(const DlHandle&) = delete;
    ~DlHandle() { reset(); }

    explicit operator bool() const { return h_ != nullptr; }
    void* symbol(const char* name) const { return h_ ? dlsym(h_, name) : nullptr; }

private:
    explicit DlHandle(void* h) : h_(h) {}
    void reset() noexcept {
        if (h_) dlclose(h_);
        h_ = nullptr;
    }
    void* h_ = nullptr;
};

std::string version_text(int v) {  // 13000 -> "13.0", 12040 -> "12.4"
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

fs::path exe_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

// An explicit path (argument or BATCHSCOPE_GPU_PLUGIN). A bare file name means the current
// folder, not a library search.
std::optional<std::string> explicit_path(const std::string& arg, std::string& origin) {
    std::string p = arg;
    origin.clear();
    if (p.empty()) {
        const char* env = std::getenv("BATCHSCOPE_GPU_PLUGIN");
        if (!env || !*env) return std::nullopt;
        p = env;
        origin = "set in BATCHSCOPE_GPU_PLUGIN";
    }
    if (p.find('/') == std::string::npos) p = "./" + p;
    return p;
}

std::string driver_reason(const BsGpuProbeInfo& info) {
    if (info.driver_version > 0 && info.driver_version < info.runtime_version) {
        return "NVIDIA driver too old: it supports CUDA " + version_text(info.driver_version) +
               ", this build needs CUDA " + version_text(info.runtime_version) +
               " (cudaErrorInsufficientDriver): update the NVIDIA driver to use the GPU";
    }
    return "NVIDIA driver not found or too old (cudaErrorInsufficientDriver): install the NVIDIA "
           "driver to use the GPU";
}

std::string status_reason(const BsGpuProbeInfo& info) {
    switch (info.status) {
    case BS_GPU_PROBE_NO_DRIVER: return driver_reason(info);
    case BS_GPU_PROBE_NO_DEVICE:
        return "no NVIDIA GPU found (cudaErrorNoDevice)";
    case BS_GPU_PROBE_ZERO_DEVICES:
        return "the NVIDIA driver reports no GPU";
    case BS_GPU_PROBE_CUDA_ERROR:
        return "CUDA error while probing the GPU: " + std::string(info.error_name) + " (" +
               info.error_text + ", code " + std::to_string(info.cuda_error) + ")";
    default:
        return "GPU plugin reported an unknown probe status " + std::to_string(info.status);
    }
}

std::string load_failure_reason(const std::string& path, const std::string& err) {
    std::string r = "GPU plugin " + in_quotes(path) + " failed to load: " + err;
    if (err.find("libcu") != std::string::npos || err.find("libnv") != std::string::npos)
        r += " (a CUDA library it needs is not installed or not on the library path)";
    return r;
}

// Opens `path`, checks the ABI and probes; fills `out` (plugin_path is already set) and, when
// the ABI matched, `api_out` (the module stays mapped: RTLD_NODELETE).
void probe_plugin(const std::string& path, GpuProbeResult& out, const BsGpuPluginApi** api_out) {
    std::string err;
    const DlHandle lib = DlHandle::open(path, err);
    if (!lib) {
        out.reason = load_failure_reason(path, err);
        return;
    }
    auto entry = reinterpret_cast<BsGpuPluginEntryFn>(lib.symbol(BS_GPU_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
        out.reason = "GPU plugin " + in_quotes(path) + " is not a Batchscope GPU plugin (no " +
                     BS_GPU_PLUGIN_ENTRY_SYMBOL + " symbol)";
        return;
    }
    const BsGpuPluginApi* api = entry(BS_GPU_PLUGIN_ABI_VERSION);
    const std::string want = std::to_string(BS_GPU_PLUGIN_ABI_VERSION);
    if (!api) {
        out.reason = "GPU plugin " + in_quotes(path) + " does not support plugin ABI version " +
                     want + " (it belongs to another Batchscope version)";
        return;
    }
    if (api->abi_version != BS_GPU_PLUGIN_ABI_VERSION ||
        !BS_GPU_ABI_HAS_FIELD(BsGpuPluginApi, probe, api->struct_size) || !api->probe) {
        out.reason = "GPU plugin " + in_quotes(path) + " has plugin ABI version " +
                     std::to_string(api->abi_version) + ", this program needs version " + want +
                     " (it belongs to another Batchscope version)";
        return;
    }
    if (api_out) *api_out = api;
    BsGpuProbeInfo info{};
    info.struct_size = sizeof info;
    api->probe(&info);
    info.device_name[sizeof info.device_name - 1] = '\0';  // never trust the other side's NULs
    info.error_name[sizeof info.error_name - 1] = '\0';
    info.error_text[sizeof info.error_text - 1] = '\0';
    out.device_count = info.device_count;
    out.driver_version = info.driver_version;
    out.runtime_version = info.runtime_version;
    if (BS_GPU_ABI_HAS_FIELD(BsGpuProbeInfo, cupti_version, info.struct_size)) out.cupti_version = info.cupti_version;
    out.device_name = info.device_name;
    out.usable = info.status == BS_GPU_PROBE_OK && info.device_count > 0;
    if (!out.usable) out.reason = status_reason(info);
}

// Finds the plugin and probes; the reason is left without the "running on the CPU" ending.
GpuProbeResult probe_impl(const std::string& arg, const BsGpuPluginApi** api_out) {
    GpuProbeResult out;
    std::string origin;
    if (auto path = explicit_path(arg, origin)) {
        out.plugin_path = *path;
        std::error_code ec;
        if (fs::exists(*path, ec)) {
            probe_plugin(*path, out, api_out);
        } else {
            const std::string from = origin.empty() ? "" : " (" + origin + ")";
            out.reason = "GPU plugin " + in_quotes(*path) + from + " does not exist";
        }
        return out;
    }
    const fs::path dir = exe_dir();
    const fs::path lib_dir = (dir / ".." / "lib" / "batchscope").lexically_normal();
    for (const fs::path& c : {dir / BS_GPU_PLUGIN_FILE_NAME, lib_dir / BS_GPU_PLUGIN_FILE_NAME}) {
        std::error_code ec;
        if (!dir.empty() && fs::exists(c, ec)) {
            out.plugin_path = c.string();
            probe_plugin(out.plugin_path, out, api_out);
            return out;
        }
    }
    out.plugin_path = (dir / BS_GPU_PLUGIN_FILE_NAME).string();
    out.reason = "no GPU plugin (" BS_GPU_PLUGIN_FILE_NAME
                 ") found beside the program (looked in " +
                 dir.string() + " and " + lib_dir.string() + "): this build has no CUDA support";
    return out;
}

}  // namespace

std::string GpuProbeResult::summary() const {
    try {
        if (usable) {
            return "GPU: " + device_name + " (driver " + version_text(driver_version) +
                   ", CUDA runtime " + version_text(runtime_version) + ")";
        }
        return "GPU unavailable: " + (reason.empty() ? std::string("unknown reason") : reason);
    } catch (...) {
        return {};
    }
}

namespace detail {

LoadedGpuPlugin load_gpu_plugin(const std::string& plugin_path) {
    LoadedGpuPlugin p;
    p.probe = probe_gpu_impl_with_api(plugin_path, &p.api);
    return p;
}

}  // namespace detail

GpuProbeResult probe_gpu(const std::string& plugin_path) { return probe_gpu_impl_with_api(plugin_path, nullptr); }

GpuProbeResult probe_gpu_impl_with_api(const std::string& plugin_path, const BsGpuPluginApi** api_out) {
    try {
        GpuProbeResult out = probe_impl(plugin_path, api_out);
        if (!out.usable) out.reason = on_cpu(out.reason);
        return out;
    } catch (...) {  // only allocation can fail here: report it, never throw
        GpuProbeResult out;
        try {
            out.reason = "GPU probe failed unexpectedly";
        } catch (...) {
        }
        return out;
    }
}

}  // namespace batchscope::engine
