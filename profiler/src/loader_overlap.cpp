#include "batchscope/profiler/loader_overlap.h"

#include <algorithm>
#include <limits>
#include <map>

#include "intervals.h"

namespace batchscope::profiler {

LoaderOverlap loader_overlap(std::span<const Event> events) {
    struct Acc {
        std::vector<detail::Interval> loads, waits;
        int worker = -1;
    };
    std::map<int64_t, Acc> by_id;
    LoaderOverlap out;
    for (const Event& e : events) {
        const int64_t d = std::max<int64_t>(0, e.duration_ns());
        if (e.phase == Phase::Load) {
            Acc& a = by_id[e.id];
            a.loads.emplace_back(e.start_ns, e.end_ns);
            if (e.lane.kind == LaneKind::LoaderWorker) {
                a.worker = e.lane.index;
                if (out.busy_per_worker_ns.size() <= e.lane.index) out.busy_per_worker_ns.resize(e.lane.index + 1u, 0);
                out.busy_per_worker_ns[e.lane.index] += d;
            }
        } else if (e.phase == Phase::DataWait && e.lane.kind == LaneKind::Controller) {
            by_id[e.id].waits.emplace_back(e.start_ns, e.end_ns);
        }
    }
    out.batches.reserve(by_id.size());
    constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
    for (auto& [id, a] : by_id) {
        const auto waits = detail::normalize(std::move(a.waits), std::numeric_limits<int64_t>::min(), kAll);
        if (a.loads.empty()) {
            out.wait_without_load_ns += detail::measure(waits);
            continue;
        }
        const auto loads = detail::normalize(std::move(a.loads), std::numeric_limits<int64_t>::min(), kAll);
        BatchOverlap b;
        b.id = id;
        b.load_ns = detail::measure(loads);
        b.exposed_ns = detail::measure(detail::intersect(loads, waits));
        out.wait_other_ns += detail::measure(waits) - b.exposed_ns;
        b.hidden_ns = b.load_ns - b.exposed_ns;
        b.worker = a.worker;
        out.load_ns += b.load_ns;
        out.exposed_ns += b.exposed_ns;
        out.hidden_ns += b.hidden_ns;
        out.batches.push_back(b);
    }
    return out;
}

}  // namespace batchscope::profiler
