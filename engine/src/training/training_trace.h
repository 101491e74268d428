#pragma once
// Internal: the GPU side of a training run, on the controller thread. Chooses how the GPU is timed
// (GpuRunTrace: CUPTI when its collector starts, else CUDA events, with the reason), tags each
// step's GPU work with its iteration id, and holds each finished iteration until its CUPTI records
// are in: its breakdown is then made from them (GpuIterationJoin) and it is handed to `finish`.
// Without CUPTI an iteration is finished at once with its CUDA-event breakdown.
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/run_snapshot.h"
#include "../gpu/gpu_run_trace.h"

namespace batchscope::engine {

class TrainingTrace {
public:
    using Finish = std::function<void(const IterationRecord&)>;
    // Where the GPU lanes' events go (the run's event store and sink); empty: nowhere.
    using EventsOut = std::function<void(std::span<const profiler::Event>)>;
    // Where the drained CUPTI records go (the sink, to keep them by name), each batch just before
    // the events made from it; empty: nowhere.
    using RecordsOut = std::function<void(std::span<const profiler::GpuActivity>)>;

    TrainingTrace(GpuBackend& gpu, bool cupti_wanted, EventsOut events_out, RecordsOut records_out = {});

    const profiler::GpuTimingStatus& timing() const noexcept { return trace_.timing(); }
    bool cupti() const noexcept { return trace_.cupti(); }

    // The GPU work launched while a Tag lives is tagged with `iteration` (a pipelined step re-tags
    // the next batch's staging with retag()); the tag is taken off however the step ends.
    class Tag {
    public:
        Tag(TrainingTrace* t, int64_t iteration) noexcept : t_(t) { retag(iteration); }
        ~Tag() { end(); }
        Tag(const Tag&) = delete;
        Tag& operator=(const Tag&) = delete;
        void retag(int64_t iteration) noexcept {
            if (t_) t_->trace_.begin_step(iteration);
        }
        void end() noexcept {
            if (t_) t_->trace_.end_step();
            t_ = nullptr;
        }

    private:
        TrainingTrace* t_;
    };

    // A recorded iteration: CUPTI holds it until its records are in (`host_parts`: the host's parts
    // of its breakdown, see GpuRunTrace::hold); otherwise it is finished now.
    void add(const IterationRecord& rec, std::span<const profiler::Event> host_parts, const Finish& finish);
    // Drains the records (every few ms unless `forced`, which waits for the streams, flushes CUPTI
    // and hands out every held iteration), finishes the iterations now complete, updates `device`.
    void poll(bool forced, DeviceView& device, const Finish& finish);
    void fill(DeviceView& device, bool force);
    // "" when the GPU trace is complete, else what was lost (GpuRunTrace::incomplete_note).
    std::string incomplete_note() const { return trace_.incomplete_note(); }

private:
    GpuRunTrace trace_;
    EventsOut events_out_;
    RecordsOut records_out_;
    std::deque<IterationRecord> held_;  // CUPTI: finished iterations waiting for their GPU records
    std::vector<profiler::Event> gpu_events_;
    std::vector<profiler::GpuIterationJoin::Joined> joined_;
};

}  // namespace batchscope::engine
