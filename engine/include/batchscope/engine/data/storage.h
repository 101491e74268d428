#pragma once
// The storage profile in effect for a dataset's reads, changeable while the loader runs (the
// next read uses the new profile). Sources ask it whether to bypass the page cache and charge it
// every read, which, under an emulated profile, waits until the modelled device has served it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "batchscope/engine/data/device_model.h"
#include "batchscope/engine/data/storage_profile.h"

namespace batchscope::engine::data {

class Storage {
public:
    explicit Storage(StorageKind k = StorageKind::PageCache);

    void set_profile(StorageKind k);  // thread-safe; an emulated device starts idle
    StorageKind profile() const noexcept { return kind_.load(std::memory_order_relaxed); }
    bool bypass_cache() const noexcept { return profile() == StorageKind::Cold; }
    bool emulated() const noexcept { return profile() >= StorageKind::EmulatedNvme; }

    // Under an emulated profile: books a read of `bytes` at (file_id, offset) that was issued at
    // `issued_ns` and sleeps until the modelled device completes it (at once when the real read
    // already took longer). Returns early when `cancel` becomes true. No-op for real profiles.
    // A thread woken late (timer resolution, a busy machine) gets the delay credited to its next
    // read (up to 2 ms), so the device keeps its modelled rate on average. Returns the modelled
    // completion time (issued_ns when not emulated).
    int64_t charge(int64_t issued_ns, uint64_t file_id, uint64_t offset, uint64_t bytes,
                   const std::atomic<bool>* cancel = nullptr);

    // Reads charged and seeks taken under the current emulated profile (since it was set).
    int64_t emulated_reads() const;
    int64_t emulated_seeks() const;

private:
    std::atomic<StorageKind> kind_;
    mutable std::mutex m_;
    std::unique_ptr<DeviceModel> model_;  // for the current profile when it is emulated
    int64_t reads_ = 0;
};

// Sleeps until `deadline_ns` on the profiler clock with fine timer slack, in slices so that a
// true `cancel` ends it early.
void sleep_until_ns(int64_t deadline_ns, const std::atomic<bool>* cancel);

}  // namespace batchscope::engine::data
