#include "batchscope/engine/data/device_model.h"

#include <algorithm>
#include <cmath>

namespace batchscope::engine::data {

DeviceModel::DeviceModel(const StorageProfile& p)
    : p_(p), slot_free_ns_(static_cast<size_t>(std::max(1, p.parallelism)), 0) {}

bool DeviceModel::continues(uint64_t file_id, uint64_t offset) const noexcept {
    if (!has_last_) return false;
    return (file_id == last_file_ && offset == last_end_) || (file_id == last_file_ + 1 && offset == 0);
}

int64_t DeviceModel::submit(int64_t now_ns, uint64_t file_id, uint64_t offset, uint64_t bytes) {
    const bool seek = p_.seek_ns > 0 && !continues(file_id, offset);
    if (seek) ++seeks_;
    auto slot = std::min_element(slot_free_ns_.begin(), slot_free_ns_.end());
    const int64_t start = std::max(now_ns, *slot);
    const int64_t ready = start + p_.latency_ns + (seek ? p_.seek_ns : 0);
    const int64_t transfer =
        p_.bandwidth_bytes_per_s > 0
            ? static_cast<int64_t>(std::llround(static_cast<double>(bytes) * 1e9 / p_.bandwidth_bytes_per_s))
            : 0;
    const int64_t done = std::max(ready, link_free_ns_) + transfer;
    link_free_ns_ = done;
    *slot = done;
    has_last_ = true;
    last_file_ = file_id;
    last_end_ = offset + bytes;
    return done;
}

}  // namespace batchscope::engine::data
