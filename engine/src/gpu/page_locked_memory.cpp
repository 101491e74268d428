// The loader's page-locked HostMemory: blocks from GpuBackend::pinned (cudaHostAlloc), kept by
// their aligned address until given back.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/loader/host_memory.h"

namespace batchscope::engine {
namespace {

class PageLockedOutOfMemory final : public std::bad_alloc {
public:
    explicit PageLockedOutOfMemory(std::string what) : what_(std::move(what)) {}
    const char* what() const noexcept override { return what_.c_str(); }

private:
    std::string what_;
};

class PageLocked final : public HostMemory {
public:
    explicit PageLocked(GpuBackend& gpu) : gpu_(gpu) {}
    void* allocate(size_t bytes) override {
        constexpr uintptr_t kAlign = 64;  // HostAllocator's promise (cudaHostAlloc gives pages; the fake less)
        PinnedBuffer b;
        try {
            b = gpu_.pinned(bytes + kAlign - 1);
        } catch (const GpuError& e) {
            throw PageLockedOutOfMemory(std::string("a page-locked batch buffer of ") + std::to_string(bytes) +
                                        " bytes: " + e.what() + "; or train with --no-pinned-memory");
        }
        void* p = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(b.data()) + kAlign - 1) & ~(kAlign - 1));
        const std::lock_guard lock(m_);
        blocks_.emplace(p, std::move(b));
        return p;
    }
    void deallocate(void* p, size_t) noexcept override {
        PinnedBuffer b;
        {
            const std::lock_guard lock(m_);
            const auto it = blocks_.find(p);
            if (it == blocks_.end()) return;
            b = std::move(it->second);
            blocks_.erase(it);
        }
    }  // freed here, outside the lock (cudaFreeHost waits for the device)
    const char* kind() const noexcept override { return "page-locked"; }

private:
    GpuBackend& gpu_;
    std::mutex m_;
    std::unordered_map<void*, PinnedBuffer> blocks_;
};

}  // namespace

std::unique_ptr<HostMemory> page_locked_memory(GpuBackend& gpu) {
    if (!gpu.pinned_from_any_thread()) return nullptr;  // the workers could not allocate it
    return std::make_unique<PageLocked>(gpu);
}

}  // namespace batchscope::engine
