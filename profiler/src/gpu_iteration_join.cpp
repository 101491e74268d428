#include "batchscope/profiler/gpu_iteration_join.h"

#include <algorithm>
#include <iterator>

namespace batchscope::profiler {
namespace {

constexpr size_t kMaxWindows = 4096;  // iteration windows kept to place untagged records

}  // namespace

void GpuIterationJoin::add_iteration(int64_t id, int64_t start_ns, int64_t end_ns, std::span<const Event> host_events,
                                     const Breakdown& fallback) {
    Pending p{id, start_ns, end_ns, {host_events.begin(), host_events.end()}, fallback, 0};
    last_added_ = std::max(last_added_, id);
    windows_.emplace_back(start_ns, end_ns);
    if (windows_.size() > kMaxWindows) windows_.pop_front();
    // Records that came before their iteration (a pipelined upload): this one's join it, those of
    // an id that was never added are late.
    size_t keep = 0;
    for (const Event& e : early_) {
        if (e.id == id) {
            p.events.push_back(e);
            ++p.gpu_events;
            p.device_records += !tagged_as(e, Phase::H2D);
        } else if (e.id < id) {
            ++late_;
        } else {
            early_[keep++] = e;
        }
    }
    early_.resize(keep);
    pending_.push_back(std::move(p));
}

GpuIterationJoin::Pending* GpuIterationJoin::find(int64_t id) {
    const auto it = std::lower_bound(pending_.begin(), pending_.end(), id,
                                     [](const Pending& p, int64_t v) { return p.id < v; });
    return it != pending_.end() && it->id == id ? &*it : nullptr;
}

bool GpuIterationJoin::in_window(int64_t t) const {
    auto it = std::upper_bound(windows_.begin(), windows_.end(), t,
                               [](int64_t v, const std::pair<int64_t, int64_t>& w) { return v < w.first; });
    return it != windows_.begin() && t <= std::prev(it)->second;
}

void GpuIterationJoin::add_gpu_events(std::span<const Event> events) {
    for (const Event& e : events) {
        if (e.id < 0) {  // untagged work (evaluation, loading weights): not an iteration's
            if (in_window(e.start_ns)) untagged_ns_ += e.end_ns - e.start_ns;  // an iteration's, lost its id
            continue;
        }
        tagged_ns_ += e.end_ns - e.start_ns;
        // The copy tagged D2H is the last work of its iteration; a read-back tagged otherwise (the
        // layer stack reads its loss back before the backward pass) is not.
        // A copy tagged H2D may be a pipelined upload, issued before the previous iteration's
        // last work: it says nothing about the iterations before it. Serving (any_d2h_ends_): any
        // copy back ends its batch.
        const bool last = e.phase == Phase::D2H && (any_d2h_ends_ || tagged_as(e, Phase::D2H));
        if (!tagged_as(e, Phase::H2D)) complete_upto_ = std::max(complete_upto_, last ? e.id : e.id - 1);
        if (Pending* p = find(e.id)) {
            p->events.push_back(e);
            ++p->gpu_events;
            p->device_records += !tagged_as(e, Phase::H2D);
        } else if (e.id > last_added_ && early_.size() < max_pending_) {
            early_.push_back(e);
        } else {
            ++late_;
        }
    }
}

void GpuIterationJoin::take(int64_t now_ns, bool all, std::vector<Joined>& out) {
    while (!pending_.empty()) {
        Pending& p = pending_.front();
        const bool complete = p.id <= complete_upto_;
        const bool too_old = now_ns - p.end_ns > max_wait_ns_ || pending_.size() > max_pending_;
        if (!all && !complete && !too_old) break;
        Joined j;
        j.id = p.id;
        j.gpu_events = p.gpu_events;
        j.from_gpu = p.device_records > 0;
        if (j.from_gpu) {
            j.breakdown = compute_breakdown(p.start_ns, p.end_ns, p.events);
        } else {
            j.breakdown = p.fallback;
            ++timed_out_;
        }
        out.push_back(j);
        pending_.pop_front();
    }
}

}  // namespace batchscope::profiler
