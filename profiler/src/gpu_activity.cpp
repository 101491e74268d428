#include "batchscope/profiler/gpu_activity.h"

#include "batchscope/profiler/gpu_activity_tables.h"

#include <algorithm>
#include <limits>

namespace batchscope::profiler {

std::string_view gpu_activity_kind_name(GpuActivityKind k) noexcept {
    switch (k) {
        case GpuActivityKind::Kernel: return "kernel";
        case GpuActivityKind::Memcpy: return "memcpy";
        case GpuActivityKind::Memset: return "memset";
        case GpuActivityKind::Runtime: return "runtime";
        case GpuActivityKind::Synchronization: return "synchronization";
        case GpuActivityKind::Overhead: return "overhead";
    }
    return "?";
}

std::string_view copy_direction_name(CopyDirection d) noexcept {
    switch (d) {
        case CopyDirection::Unknown: return "unknown";
        case CopyDirection::HtoD: return "HtoD";
        case CopyDirection::DtoH: return "DtoH";
        case CopyDirection::DtoD: return "DtoD";
        case CopyDirection::HtoH: return "HtoH";
        case CopyDirection::PtoP: return "PtoP";
    }
    return "?";
}

uint8_t StreamLanes::index_of(uint32_t device_id, uint32_t stream_id) {
    const auto key = std::make_pair(device_id, stream_id);
    if (auto it = slots_.find(key); it != slots_.end()) return it->second;
    const auto idx = static_cast<uint8_t>(std::min<size_t>(slots_.size(), 255));
    slots_.emplace(key, idx);
    return idx;
}

void append_events(std::span<const GpuActivity> activities, StreamLanes& lanes, std::vector<Event>& out) {
    for (const GpuActivity& a : activities) {
        Event e;
        e.start_ns = a.start_ns;
        e.end_ns = a.end_ns;
        e.id = a.id;
        e.bytes = static_cast<uint32_t>(std::min<uint64_t>(a.bytes, std::numeric_limits<uint32_t>::max()));
        LaneKind lane = LaneKind::ComputeStream;
        switch (a.kind) {
            case GpuActivityKind::Kernel:
            case GpuActivityKind::Memset: e.phase = Phase::Compute; break;
            case GpuActivityKind::Memcpy:
                if (a.direction == CopyDirection::HtoD) {
                    e.phase = Phase::H2D;
                    lane = LaneKind::CopyStream;
                } else if (a.direction == CopyDirection::DtoH) {
                    e.phase = Phase::D2H;
                    lane = LaneKind::CopyStream;
                } else if (a.direction == CopyDirection::DtoD) {
                    e.phase = Phase::Compute;
                } else {
                    continue;
                }
                break;
            default: continue;
        }
        e.lane = {lane, lanes.index_of(a.device_id, a.stream_id)};
        if (a.has_phase) e.tag = static_cast<uint8_t>(1 + static_cast<uint8_t>(a.phase));
        out.push_back(e);
    }
}

// One activity table's arithmetic: the run-long tables over a single batch of records.
std::vector<KernelRow> kernel_table(std::span<const GpuActivity> activities) {
    GpuActivityTables t;
    t.add(activities);
    return t.kernels();
}

std::vector<CopyRow> copy_table(std::span<const GpuActivity> activities) {
    GpuActivityTables t;
    t.add(activities);
    return t.copies();
}

GpuActivityCounts count_activities(std::span<const GpuActivity> activities) noexcept {
    GpuActivityCounts c;
    for (const GpuActivity& a : activities) {
        const auto k = static_cast<size_t>(a.kind);
        if (k < kGpuActivityKinds) ++c.per_kind[k];
        if (a.id >= 0) ++c.with_id;
    }
    return c;
}

}  // namespace batchscope::profiler
