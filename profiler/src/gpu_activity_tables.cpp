#include "batchscope/profiler/gpu_activity_tables.h"

#include <algorithm>

namespace batchscope::profiler {

void GpuActivityTables::add(std::span<const GpuActivity> activities) {
    for (const GpuActivity& a : activities) {
        const auto k = static_cast<size_t>(a.kind);
        if (k < kGpuActivityKinds) ++counts_.per_kind[k];
        if (a.id >= 0) ++counts_.with_id;
        if (a.kind == GpuActivityKind::Kernel) {
            auto it = kernels_.find(a.name);
            if (it == kernels_.end()) it = kernels_.emplace(a.name, KernelRow{a.name, 0, 0, 0}).first;
            KernelRow& r = it->second;
            ++r.calls;
            r.total_ns += a.duration_ns();
            r.max_ns = std::max(r.max_ns, a.duration_ns());
        } else if (a.kind == GpuActivityKind::Memcpy) {
            CopyRow& r = copies_[{a.direction, a.pinned}];
            r.direction = a.direction;
            r.pinned = a.pinned;
            ++r.calls;
            r.bytes += a.bytes;
            r.total_ns += a.duration_ns();
        }
    }
}

std::vector<KernelRow> GpuActivityTables::kernels() const {
    std::vector<KernelRow> out;
    out.reserve(kernels_.size());
    for (const auto& [name, r] : kernels_) out.push_back(r);
    std::sort(out.begin(), out.end(), [](const KernelRow& a, const KernelRow& b) {
        return a.total_ns != b.total_ns ? a.total_ns > b.total_ns : a.name < b.name;
    });
    return out;
}

std::vector<CopyRow> GpuActivityTables::copies() const {
    std::vector<CopyRow> out;
    out.reserve(copies_.size());
    for (const auto& [key, r] : copies_) out.push_back(r);
    std::stable_sort(out.begin(), out.end(), [](const CopyRow& a, const CopyRow& b) { return a.total_ns > b.total_ns; });
    return out;
}

}  // namespace batchscope::profiler
