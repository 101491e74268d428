#pragma once
// The GPU records of a training iteration arrive after the iteration has ended: CUPTI hands its
// buffers over every flush period, and a record waits for its external correlation. This holds
// each finished iteration until its GPU work is in, then gives its breakdown from the host's
// events (data wait, host staging) together with the GPU's (kernels as compute, HtoD as h2d,
// DtoH as d2h, from append_events), so compute is the union of the kernel intervals.
//
// An iteration's GPU work is in when its DtoH copy tagged D2H arrived (the loss read back: the
// last thing an iteration launches; see Event::tag; or any DtoH copy, when so constructed: a served
// batch's logits), or any record of a later iteration did (records are delivered in
// launch order), or when everything was flushed (`all`). One whose records do not come within
// max_wait_ns is given out with what arrived, or with its fallback (CUDA-event) breakdown when
// nothing did. Single-threaded (the training controller).
//
// Pipelined runs upload batch k+1 (copies tagged H2D with id k+1) while iteration k computes, so
// those records can arrive before iteration k+1 is added, and before k's own records: they are
// kept until their iteration is added, and a record tagged H2D never says that an earlier
// iteration is complete. Like every GPU record, such a copy counts only inside its iteration's
// window: the part that ran before the window began (hidden behind the previous iteration) is in
// no breakdown; the part the iteration waited for is its h2d.
#include <cstdint>
#include <deque>
#include <span>
#include <utility>
#include <vector>

#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

class GpuIterationJoin {
public:
    // `any_d2h_ends`: any DtoH copy of an iteration is its last work, whatever its tag (serving:
    // the logits' copy back ends a batch; the tuned path queues it inside its forward pass's tag).
    explicit GpuIterationJoin(int64_t max_wait_ns = 3'000'000'000, size_t max_pending = 1u << 16,
                              bool any_d2h_ends = false)
        : max_wait_ns_(max_wait_ns), max_pending_(max_pending), any_d2h_ends_(any_d2h_ends) {}

    // An iteration that ended; ids increase from call to call.
    void add_iteration(int64_t id, int64_t start_ns, int64_t end_ns, std::span<const Event> host_events,
                       const Breakdown& fallback);
    // GPU events as they are drained; those tagged with a held iteration's id join it.
    void add_gpu_events(std::span<const Event> events);

    struct Joined {
        int64_t id = 0;
        Breakdown breakdown;
        bool from_gpu = false;  // false: no record of its device work arrived, the fallback was used
        int64_t gpu_events = 0;
    };
    // Appends the iterations that are complete (or waited too long), oldest first; `all` gives out
    // every held iteration (after a forced flush).
    void take(int64_t now_ns, bool all, std::vector<Joined>& out);

    size_t pending() const noexcept { return pending_.size(); }
    size_t early() const noexcept { return early_.size(); }  // records of iterations not yet added
    uint64_t late_events() const noexcept { return late_; }      // tagged, but their iteration was gone
    uint64_t timed_out() const noexcept { return timed_out_; }  // given out with no GPU record
    // Device time (kernels, copies, fills) of the iterations: what their ids tag, and what ran
    // inside an iteration's window without any id (work launched where no external id was written,
    // as for a library's kernels when CUPTI records no API kind it launches them through). Untagged
    // work outside every window (evaluation, loading weights) is in neither.
    int64_t tagged_device_ns() const noexcept { return tagged_ns_; }
    int64_t untagged_device_ns() const noexcept { return untagged_ns_; }

private:
    struct Pending {
        int64_t id, start_ns, end_ns;
        std::vector<Event> events;  // host events, then the GPU's
        Breakdown fallback;
        int64_t gpu_events = 0;
        // Records of its own device work (kernels, copies back): a pipelined upload alone, issued
        // during the previous iteration, says nothing about this one's step.
        int64_t device_records = 0;
    };
    Pending* find(int64_t id);
    bool in_window(int64_t t) const;

    int64_t max_wait_ns_;
    size_t max_pending_;
    bool any_d2h_ends_;
    std::deque<Pending> pending_;
    std::vector<Event> early_;  // tagged with an id later than the last iteration added
    int64_t last_added_ = -1;
    int64_t complete_upto_ = -1;  // iterations up to this id have all their GPU records in
    uint64_t late_ = 0, timed_out_ = 0;
    std::deque<std::pair<int64_t, int64_t>> windows_;  // the newest iterations' [start, end], by start
    int64_t tagged_ns_ = 0, untagged_ns_ = 0;
};

}  // namespace batchscope::profiler
