#pragma once
// The timing model of an emulated storage device, on an injected clock so that it can be tested
// without sleeping. A read occupies one of `parallelism` slots for its access time (latency,
// plus a seek when it does not start where the previous read ended), then crosses the device's
// one link at its bandwidth. A read starts where the previous one ended when it continues the
// same file at the previous end offset, or starts the next file (ids in folder order: a freshly
// written folder lies on the disk in that order).
#include <cstdint>
#include <vector>

#include "batchscope/engine/data/storage_profile.h"

namespace batchscope::engine::data {

class DeviceModel {
public:
    explicit DeviceModel(const StorageProfile& p);

    // A read of `bytes` at `offset` of file `file_id`, issued at `now_ns`: returns when it
    // completes, and books the device for it. Not thread-safe: Storage serialises the calls.
    int64_t submit(int64_t now_ns, uint64_t file_id, uint64_t offset, uint64_t bytes);

    // Whether a read at (file_id, offset) would continue the previous read (no seek).
    bool continues(uint64_t file_id, uint64_t offset) const noexcept;

    const StorageProfile& profile() const noexcept { return p_; }
    int64_t seeks() const noexcept { return seeks_; }

private:
    StorageProfile p_;
    std::vector<int64_t> slot_free_ns_;
    int64_t link_free_ns_ = 0;
    bool has_last_ = false;
    uint64_t last_file_ = 0;
    uint64_t last_end_ = 0;
    int64_t seeks_ = 0;
};

}  // namespace batchscope::engine::data
