#pragma once
// CUPTI activity records → BsGpuActivity: host-only, no CUPTI call, no GPU. The collector
// session feeds it the records it walks out of completed buffers; tests feed it hand-built
// records. Records may come in any order and in any buffer: an external-correlation record
// can arrive after the kernel it tags, so untagged records wait (up to join_wait_ns) for it.
#include <cupti_activity.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/profiler/clock_map.h"

namespace batchscope::cuda {

// The external id pushed around GPU work: iteration/request id and phase in one uint64.
inline uint64_t encode_external_id(int64_t id, uint8_t phase) noexcept {
    return (static_cast<uint64_t>(id) << 8) | phase;
}
inline int64_t external_id_of(uint64_t v) noexcept { return static_cast<int64_t>(v >> 8); }
inline uint8_t external_phase_of(uint64_t v) noexcept { return static_cast<uint8_t>(v & 0xffu); }

class CuptiRecordConverter {
public:
    // cuptiGetCallbackName of a runtime (`driver` false) or driver API callback id.
    using ApiNamer = std::function<std::string(bool driver, uint32_t cbid)>;
    explicit CuptiRecordConverter(ApiNamer namer = {}, int64_t join_wait_ns = 2'000'000'000);

    // One record from a completed buffer. Unknown kinds are counted and ignored.
    void add(const CUpti_Activity* record, int64_t now_host_ns);

    // Appends the records that are ready to `out`, mapped onto the host clock with `clock`:
    // joined with their external id, or without one once they waited join_wait_ns, or all
    // of them when `final`. Returns how many.
    size_t take(const profiler::ClockMap& clock, int64_t now_host_ns, bool final, std::vector<BsGpuActivity>& out);

    std::string_view name(uint32_t name_id) const noexcept;

    uint64_t records() const noexcept { return records_; }
    uint64_t unknown_kinds() const noexcept { return unknown_kinds_; }
    uint64_t bad_timestamps() const noexcept { return bad_timestamps_; }
    uint64_t unjoined() const noexcept { return unjoined_; }
    size_t pending() const noexcept { return pending_.size(); }

private:
    struct Pending {
        BsGpuActivity a;       // times still on CUPTI's clock
        uint64_t start_raw;
        uint64_t end_raw;
        int64_t added_ns;
    };

    void add_kernel(const CUpti_ActivityKernel10& k, int64_t now);
    void add_memcpy(const CUpti_ActivityMemcpy6& m, int64_t now);
    void add_memset(const CUpti_ActivityMemset4& m, int64_t now);
    void add_api(const CUpti_ActivityAPI& a, int64_t now);
    void add_sync(const CUpti_ActivitySynchronization2& s, int64_t now);
    void add_overhead(const CUpti_ActivityOverhead3& o, int64_t now);
    void add_external(const CUpti_ActivityExternalCorrelation& x);
    void push(BsGpuActivity a, uint64_t start, uint64_t end, int64_t now);
    uint32_t intern(std::string_view name);

    ApiNamer namer_;
    int64_t join_wait_ns_;
    std::deque<Pending> pending_;
    std::unordered_map<uint32_t, uint64_t> external_;  // correlation id → external id
    std::deque<uint32_t> external_order_;               // oldest first, to bound the map
    std::vector<std::string> names_;
    std::unordered_map<std::string, uint32_t> name_ids_;
    std::unordered_map<uint64_t, uint32_t> api_names_;  // (driver << 32 | cbid) → name id
    uint64_t records_ = 0, unknown_kinds_ = 0, bad_timestamps_ = 0, unjoined_ = 0;
};

}  // namespace batchscope::cuda
