#include "serving_trace.h"

#include <algorithm>

namespace batchscope::engine::infer {

using profiler::Phase;

std::string ServingTrace::describe(const std::string& service_timing) const {
    if (cupti())
        return "h2d, compute and d2h from CUPTI activity records of each batch's copies and kernels (tagged with "
               "the batch and phase through external correlation), on the host clock";
    return service_timing + "; CUPTI unavailable: " + trace_.timing().reason;
}

void ServingTrace::hold(std::span<const RequestRecord> served, const BatchTiming& t) {
    if (served.empty()) return;
    const RequestRecord& r = served.front();
    profiler::Breakdown fallback;
    fallback.wall_ns = r.done_ns - r.start_ns;
    fallback.h2d_ns = t.h2d_ns;
    fallback.compute_ns = t.compute_ns;
    fallback.d2h_ns = t.d2h_ns;
    fallback.host_ns = std::max<int64_t>(0, fallback.wall_ns - t.h2d_ns - t.compute_ns - t.d2h_ns);
    trace_.hold(r.id, r.start_ns, r.done_ns, {}, fallback);
    Held h;
    h.id = r.id;
    h.served.assign(served.begin(), served.end());
    h.t = t;
    held_.push_back(std::move(h));
}

ServingTrace::Held* ServingTrace::find(int64_t id) {
    const auto it =
        std::lower_bound(held_.begin(), held_.end(), id, [](const Held& h, int64_t v) { return h.id < v; });
    return it != held_.end() && it->id == id ? &*it : nullptr;
}

void ServingTrace::poll(int64_t now_ns, bool forced, std::vector<profiler::Event>& gpu_events, const Done& done) {
    const size_t first = gpu_events.size();
    joined_.clear();
    trace_.poll(now_ns, forced, gpu_events, joined_);
    for (size_t i = first; i < gpu_events.size(); ++i) {
        const profiler::Event& e = gpu_events[i];
        const int k = e.phase == Phase::H2D ? 0 : e.phase == Phase::Compute ? 1 : e.phase == Phase::D2H ? 2 : -1;
        if (k < 0 || e.id < 0) continue;
        if (Held* h = find(e.id)) h->first[k] = std::min(h->first[k], e.start_ns);
    }
    for (const profiler::GpuIterationJoin::Joined& j : joined_) {
        while (!held_.empty() && held_.front().id < j.id) held_.pop_front();  // never: the ids match
        if (held_.empty() || held_.front().id != j.id) continue;
        Held& h = held_.front();
        BatchTiming t = h.t;
        if (j.from_gpu) {
            // The requests' phases: the records' time per phase (the same for every request of
            // the batch), placed where the phase's first record began, on the host clock.
            t.h2d_ns = j.breakdown.h2d_ns;
            t.compute_ns = j.breakdown.compute_ns;
            t.d2h_ns = j.breakdown.d2h_ns;
            const int64_t start = h.served.front().start_ns;
            int64_t* at[3] = {&t.h2d_at_ns, &t.compute_at_ns, &t.d2h_at_ns};
            for (int k = 0; k < 3; ++k)
                if (h.first[k] != INT64_MAX) *at[k] = h.first[k] - start;
            for (RequestRecord& r : h.served) {
                r.h2d_ns = t.h2d_ns;
                r.compute_ns = t.compute_ns;
                r.d2h_ns = t.d2h_ns;
            }
            ++from_records_;
        } else {
            ++from_events_;
        }
        done(h.served, t, j.from_gpu);
        held_.pop_front();
    }
}

void ServingTrace::release_all(const Done& done) {
    for (Held& h : held_) {
        ++from_events_;
        done(h.served, h.t, false);
    }
    held_.clear();
}

}  // namespace batchscope::engine::infer
