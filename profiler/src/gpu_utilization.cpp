#include "batchscope/profiler/gpu_utilization.h"

#include <vector>

#include "intervals.h"

namespace batchscope::profiler {

bool is_stream_lane(Lane lane) noexcept {
    return lane.kind == LaneKind::CopyStream || lane.kind == LaneKind::ComputeStream;
}

GpuUtilization gpu_utilization(std::span<const Event> events, int64_t start_ns, int64_t end_ns) {
    using detail::Interval;
    GpuUtilization u;
    if (end_ns <= start_ns) return u;
    u.window_ns = end_ns - start_ns;
    std::vector<Interval> copy, compute, host, wait;
    for (const Event& e : events) {
        const Interval i{e.start_ns, e.end_ns};
        if (is_stream_lane(e.lane)) {
            (e.phase == Phase::H2D || e.phase == Phase::D2H ? copy : compute).push_back(i);
        } else if (e.lane.kind == LaneKind::Controller && e.phase != Phase::Evaluate) {
            host.push_back(i);
            if (e.phase == Phase::DataWait) wait.push_back(i);
        }
    }
    const auto copy_set = detail::normalize(std::move(copy), start_ns, end_ns);
    const auto compute_set = detail::normalize(std::move(compute), start_ns, end_ns);
    std::vector<Interval> all(copy_set.begin(), copy_set.end());
    all.insert(all.end(), compute_set.begin(), compute_set.end());
    const auto busy = detail::normalize(std::move(all), start_ns, end_ns);
    const auto idle = detail::subtract({{start_ns, end_ns}}, busy);

    u.copy_ns = detail::measure(copy_set);
    u.compute_ns = detail::measure(compute_set);
    u.busy_ns = detail::measure(busy);
    u.overlap_ns = detail::measure(detail::intersect(copy_set, compute_set));
    u.idle_ns = u.window_ns - u.busy_ns;
    const auto host_set = detail::normalize(std::move(host), start_ns, end_ns);
    const auto wait_set = detail::normalize(std::move(wait), start_ns, end_ns);
    u.idle_waiting_for_host_ns = detail::measure(detail::intersect(idle, host_set));
    u.idle_waiting_for_data_ns = detail::measure(detail::intersect(idle, wait_set));
    u.idle_other_ns = u.idle_ns - u.idle_waiting_for_host_ns;
    return u;
}

}  // namespace batchscope::profiler
