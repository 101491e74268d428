#include "device_pool.h"

#include <utility>

namespace batchscope::cuda {

DevicePool::DevicePool(RawAlloc alloc, RawFree free, uint64_t limit)
    : alloc_(std::move(alloc)), free_(std::move(free)), limit_(limit) {}

DevicePool::~DevicePool() {
    release_cached();
    for (auto& [p, size] : in_use_) free_(p);  // buffers the owner forgot: still returned
}

size_t DevicePool::rounded(size_t bytes) noexcept {
    if (bytes == 0) bytes = 1;
    return (bytes + kGranule - 1) / kGranule * kGranule;
}

void* DevicePool::take_cached(size_t size) {
    const auto it = cached_.lower_bound(size);
    if (it == cached_.end() || it->first > 2 * size) return nullptr;
    void* p = it->second;
    in_use_.emplace(p, it->first);
    stats_.in_use += it->first;
    cached_.erase(it);
    ++stats_.reuses;
    return p;
}

void* DevicePool::raw(size_t size) {
    if (limit_ && stats_.reserved + size > limit_) return nullptr;
    void* p = alloc_(size);
    if (!p) return nullptr;
    ++stats_.raw_allocs;
    stats_.reserved += size;
    stats_.in_use += size;
    in_use_.emplace(p, size);
    return p;
}

void* DevicePool::allocate(size_t bytes) {
    const size_t size = rounded(bytes);
    if (size < bytes) return nullptr;  // overflow
    void* p = take_cached(size);
    if (!p) p = raw(size);
    if (!p && !cached_.empty()) {  // memory is parked in the cache: give it back and retry
        release_cached();
        p = raw(size);
    }
    if (p && stats_.in_use > stats_.peak_in_use) stats_.peak_in_use = stats_.in_use;
    return p;
}

bool DevicePool::release(void* p) {
    const auto it = in_use_.find(p);
    if (it == in_use_.end()) return false;
    stats_.in_use -= it->second;
    cached_.emplace(it->second, p);
    in_use_.erase(it);
    return true;
}

void DevicePool::release_cached() {
    for (auto& [size, p] : cached_) {
        free_(p);
        stats_.reserved -= size;
    }
    cached_.clear();
}

}  // namespace batchscope::cuda
