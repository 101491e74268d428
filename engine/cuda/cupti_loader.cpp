#include "cupti_loader.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace batchscope::cuda {
namespace {

constexpr uint32_t kMajor = CUPTI_API_VERSION / 10000;  // 130001 -> 13

std::string dl_error() {
    const char* e = dlerror();
    return e ? e : "unknown dlopen error";
}

// The folder of the module this code is in (the plugin, or a test binary).
std::string own_folder() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&cupti_soname), &info) == 0 || !info.dli_fname) return {};
    std::error_code ec;
    const auto p = std::filesystem::canonical(info.dli_fname, ec);
    return ec ? std::string{} : p.parent_path().string();
}

template <typename Fn>
bool resolve(void* h, const char* name, Fn& fn, std::string& missing) {
    fn = reinterpret_cast<Fn>(dlsym(h, name));
    if (!fn && missing.empty()) missing = name;
    return fn != nullptr;
}

// Opens one candidate; false with `err` when it is missing, not CUPTI, or another major version.
bool try_one(const std::string& c, CuptiFunctions& f, std::string& err) {
    dlerror();
    // Without RTLD_NODELETE while it is checked, so that a refused candidate is really unloaded;
    // the accepted one is pinned below (CUPTI's threads and callbacks outlive any handle).
    void* h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        err = dl_error();
        return false;
    }
    std::string missing;
#define BS_CUPTI_RESOLVE(member, symbol) resolve(h, #symbol, f.member, missing);
    BS_CUPTI_FUNCTIONS(BS_CUPTI_RESOLVE)
#undef BS_CUPTI_RESOLVE
    if (!missing.empty()) {
        dlclose(h);
        err = "it has no " + missing + ": not a CUPTI library";
        return false;
    }
    uint32_t v = 0;
    if (f.get_version(&v) != CUPTI_SUCCESS || v / 10000 != kMajor) {
        dlclose(h);
        err = std::string("CUPTI API version ") + std::to_string(v) + ", this plugin was built for " +
              std::to_string(CUPTI_API_VERSION) + " (CUDA " + std::to_string(kMajor) + ")";
        return false;
    }
    f.version = v;
    f.path = c;
    dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD | RTLD_NODELETE);  // pinned: never unloaded
    return true;
}

std::once_flag g_once;
std::atomic<const CuptiFunctions*> g_loaded{nullptr};
CuptiFunctions g_functions;
std::string g_why;

}  // namespace

std::string cupti_soname() { return std::string("libcupti.so.") + std::to_string(kMajor); }

std::vector<std::string> cupti_candidates() {
    const std::string so = cupti_soname();
    // An explicit path is the only candidate (as BATCHSCOPE_GPU_PLUGIN for the plugin).
    if (const char* env = std::getenv("BATCHSCOPE_CUPTI_LIBRARY"); env && *env) return {env};
    std::vector<std::string> c{so};
    if (const std::string dir = own_folder(); !dir.empty()) c.push_back(dir + "/" + so);
#ifdef BATCHSCOPE_CUPTI_BUILD_DIR
    c.push_back(std::string(BATCHSCOPE_CUPTI_BUILD_DIR) + "/" + so);
#endif
    for (const char* dir : {"/usr/local/cuda/lib64", "/usr/local/cuda/extras/CUPTI/lib64"})
        c.push_back(std::string(dir) + "/" + so);
    return c;
}

bool load_cupti(const std::vector<std::string>& candidates, CuptiFunctions& out, std::string& why) noexcept {
    try {
        std::string tried;
        bool found_file = false;  // a candidate opened but was refused (not "not found")
        for (const std::string& c : candidates) {
            if (c.find('/') != std::string::npos) {
                std::error_code ec;
                if (!std::filesystem::exists(c, ec)) {
                    tried += (tried.empty() ? "" : "; ") + c + ": no such file";
                    continue;
                }
            }
            CuptiFunctions f;
            std::string err;
            if (try_one(c, f, err)) {
                out = std::move(f);
                return true;
            }
            if (err.find("cannot open shared object file") == std::string::npos) found_file = true;
            tried += (tried.empty() ? "" : "; ") + c + ": " + err;
        }
        why = (found_file ? std::string("no usable ") + cupti_soname() : cupti_soname() + " not found") + " (tried " + tried +
              "; set BATCHSCOPE_CUPTI_LIBRARY to its path or add its folder to LD_LIBRARY_PATH)";
    } catch (...) {
        why = "out of memory while looking for CUPTI";
    }
    return false;
}

const CuptiFunctions* cupti(std::string& why) noexcept {
    try {
        std::call_once(g_once, [] {
            if (load_cupti(cupti_candidates(), g_functions, g_why)) g_loaded.store(&g_functions);
        });
    } catch (...) {
        why = "CUPTI could not be loaded (out of memory)";
        return nullptr;
    }
    const CuptiFunctions* f = g_loaded.load();
    if (!f) why = g_why;
    return f;
}

const CuptiFunctions* cupti_if_loaded() noexcept { return g_loaded.load(); }

}  // namespace batchscope::cuda
