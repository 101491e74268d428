#pragma once
// A caching pool of device memory: a freed block is kept and handed out again for the next
// request of its (rounded) size, so a training loop that allocates the same buffers every
// iteration calls cudaMalloc only in its first iteration. Host-only logic: the raw allocator
// is passed in (cudaMalloc/cudaFree in the plugin, malloc in the unit test).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

namespace batchscope::cuda {

struct PoolStats {
    uint64_t reserved = 0;       // held from the raw allocator (in use + cached)
    uint64_t in_use = 0;         // handed out
    uint64_t peak_in_use = 0;
    uint64_t raw_allocs = 0;     // calls of the raw allocator that succeeded
    uint64_t reuses = 0;         // requests served from the cache
};

class DevicePool {
public:
    // raw_alloc returns nullptr when the memory is not there; raw_free never fails.
    using RawAlloc = std::function<void*(size_t bytes)>;
    using RawFree = std::function<void(void*)>;

    // limit: the pool never holds more than this many bytes (0: no limit of its own).
    DevicePool(RawAlloc alloc, RawFree free, uint64_t limit = 0);
    ~DevicePool();
    DevicePool(const DevicePool&) = delete;
    DevicePool& operator=(const DevicePool&) = delete;

    // Requests are rounded up to kGranule bytes. A cached block is reused when its size is at
    // most twice the rounded request. When the raw allocator (or the limit) refuses, the cache
    // is released and the request tried once more; nullptr means out of memory.
    void* allocate(size_t bytes);
    // False when `p` did not come from this pool (or was freed already).
    bool release(void* p);
    // Gives every cached block back to the raw allocator.
    void release_cached();

    const PoolStats& stats() const noexcept { return stats_; }
    uint64_t limit() const noexcept { return limit_; }
    static size_t rounded(size_t bytes) noexcept;
    static constexpr size_t kGranule = 512;

private:
    void* take_cached(size_t size);
    void* raw(size_t size);

    RawAlloc alloc_;
    RawFree free_;
    uint64_t limit_;
    std::multimap<size_t, void*> cached_;          // size -> block
    std::unordered_map<void*, size_t> in_use_;     // block -> size
    PoolStats stats_;
};

}  // namespace batchscope::cuda
