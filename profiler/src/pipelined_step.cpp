#include "batchscope/profiler/pipelined_step.h"

#include <algorithm>

namespace batchscope::profiler {

void pipelined_step_events(const PipelinedStepTimes& t, int64_t id, std::vector<Event>& out,
                           std::vector<Event>* host_parts) {
    const Lane controller{LaneKind::Controller, 0};
    auto ev = [&](Phase p, int64_t s, int64_t e, uint32_t bytes = 0) {
        return make_event(p, s, e, controller, id, bytes);
    };
    const int64_t c0 = t.device_timed ? std::min(t.t3, t.t2 + std::max<int64_t>(0, t.exposed_copy_ns)) : t.t2;
    const int64_t c1 =
        std::max(t.tl, t.device_timed ? std::min(t.t3, c0 + std::max<int64_t>(0, t.compute_ns)) : t.tl);
    const Event wait = ev(Phase::DataWait, t.t0, t.t1), staging = ev(Phase::H2D, t.t1, t.t2, t.bytes);
    const Event next_wait = ev(Phase::DataWait, t.tl, t.tw), next_staging = ev(Phase::H2D, t.tw, t.ts, t.next_bytes);
    out.push_back(wait);
    out.push_back(ev(Phase::H2D, t.t1, c0, t.bytes));  // staging batch k, then its exposed copy
    if (c1 >= t.ts) {
        out.push_back(ev(Phase::Compute, c0, t.t3));
    } else {
        out.push_back(ev(Phase::Compute, c0, c1));
        out.push_back(ev(Phase::Compute, t.ts, t.t3));
    }
    out.push_back(next_wait);
    out.push_back(next_staging);
    if (host_parts) *host_parts = {wait, staging, next_wait, next_staging};
}

}  // namespace batchscope::profiler
