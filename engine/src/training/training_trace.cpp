#include "training_trace.h"

#include "batchscope/profiler/clock.h"

namespace batchscope::engine {

TrainingTrace::TrainingTrace(GpuBackend& gpu, bool cupti_wanted, EventsOut events_out, RecordsOut records_out)
    : trace_(gpu, cupti_wanted), events_out_(std::move(events_out)), records_out_(std::move(records_out)) {}

void TrainingTrace::add(const IterationRecord& rec, std::span<const profiler::Event> host_parts,
                        const Finish& finish) {
    if (!cupti()) {
        finish(rec);
        return;
    }
    // The CUDA-event breakdown stays as the fallback if no record of it arrives.
    trace_.hold(rec.iteration, rec.start_ns, rec.end_ns, host_parts, rec.breakdown);
    held_.push_back(rec);
}

void TrainingTrace::poll(bool forced, DeviceView& device, const Finish& finish) {
    const int64_t now = profiler::now_ns();
    gpu_events_.clear();
    joined_.clear();
    trace_.poll(now, forced, gpu_events_, joined_);
    if (!trace_.drained().empty() && records_out_) records_out_(trace_.drained());
    if (!gpu_events_.empty() && events_out_) events_out_(gpu_events_);
    for (const profiler::GpuIterationJoin::Joined& j : joined_) {
        while (!held_.empty() && held_.front().iteration < j.id) held_.pop_front();  // never: ids match
        if (held_.empty() || held_.front().iteration != j.id) continue;
        IterationRecord rec = std::move(held_.front());
        held_.pop_front();
        rec.breakdown = j.breakdown;
        finish(rec);
    }
    trace_.fill(device, now, forced);
}

void TrainingTrace::fill(DeviceView& device, bool force) { trace_.fill(device, profiler::now_ns(), force); }

}  // namespace batchscope::engine
