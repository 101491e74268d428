#include "session_event_rows.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace batchscope::engine {

using profiler::GpuActivityKind;

store::EventRow event_row(const profiler::Event& e) {
    store::EventRow r;
    r.start_ns = e.start_ns;
    r.end_ns = e.end_ns;
    r.id = e.id;
    r.bytes = int64_t{e.bytes};
    r.phase = static_cast<int>(e.phase);
    r.lane_kind = static_cast<int>(e.lane.kind);
    r.lane_index = static_cast<int>(e.lane.index);
    return r;
}

void DeviceRecordRows::append(std::span<const profiler::GpuActivity> records, std::vector<store::EventRow>& out) {
    for (const profiler::GpuActivity& a : records) {
        if (a.kind != GpuActivityKind::Kernel && a.kind != GpuActivityKind::Memcpy && a.kind != GpuActivityKind::Memset)
            continue;
        one_.clear();
        profiler::append_events(std::span<const profiler::GpuActivity>(&a, 1), lanes_, one_);
        store::EventRow r;
        if (!one_.empty()) {
            // Kernels, memsets and device-to-device copies (compute stream, Compute), copies in
            // (copy stream, H2D) and out (copy stream, D2H): the live run's stream-lane event.
            r = event_row(one_.front());
            ++replaced_;
        } else {
            // Host-to-host, peer and unknown copies give no stream-lane event and no breakdown
            // part live; kept (the live copy table counts them) on their stream's compute lane, as
            // other device work. (A stream first seen here gets the next index; the engine issues
            // no such copies.)
            r.start_ns = a.start_ns;
            r.end_ns = a.end_ns;
            r.id = a.id;
            r.bytes = static_cast<int64_t>(std::min<uint64_t>(a.bytes, std::numeric_limits<uint32_t>::max()));
            r.phase = static_cast<int>(profiler::Phase::Compute);
            r.lane_kind = static_cast<int>(profiler::LaneKind::ComputeStream);
            r.lane_index = lanes_.index_of(a.device_id, a.stream_id);
            r.part = store::kPartOtherGpu;
        }
        r.gpu_kind = static_cast<int>(a.kind);
        if (a.kind == GpuActivityKind::Memcpy) {
            r.direction = static_cast<int>(a.direction);
            r.pinned = a.pinned;
        }
        r.name = a.name;
        out.push_back(std::move(r));
    }
}

std::span<const store::EventRow> SavedEventRows::of_events(std::span<const profiler::Event> events) {
    rows_.clear();
    for (const profiler::Event& e : events)
        if (!device_ || !device_->skip_replaced(e)) rows_.push_back(event_row(e));
    return rows_;
}

std::span<const store::EventRow> SavedEventRows::of_device_records(std::span<const profiler::GpuActivity> records) {
    if (!device_) device_.emplace();
    rows_.clear();
    device_->append(records, rows_);
    return rows_;
}

}  // namespace batchscope::engine
