#pragma once
// Internal: the GPU side of an inference run on a GPU service, on the server thread. Chooses how
// the GPU is timed (GpuRunTrace: CUPTI when its collector starts, else the service's CUDA events,
// with the reason), tags each served batch's GPU work with the batch's id (its first request's)
// and the phase (the service's GpuBackend::Tag: h2d, compute, d2h), and holds each batch until
// its CUPTI records are in: its requests' h2d, compute and d2h then come from the records
// (priority-ordered on the host clock: copies in, the union of the kernels, copies back) and its
// phases are placed where the records lie. A batch without records keeps its CUDA-event times
// (counted, and said in the run's end message).
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "../gpu/gpu_run_trace.h"
#include "batchscope/engine/infer/request.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::engine::infer {

class ServingTrace {
public:
    ServingTrace(GpuBackend& gpu, bool cupti_wanted) : trace_(gpu, cupti_wanted, /*serving=*/true) {}

    const profiler::GpuTimingStatus& timing() const noexcept { return trace_.timing(); }
    bool cupti() const noexcept { return trace_.cupti(); }
    // "how h2d, compute and d2h are timed" for the run's timing line, given the service's own
    // (CUDA-event) description.
    std::string describe(const std::string& service_timing) const;

    // Around BatchService::serve: the GPU work launched in between is tagged with `batch_id`.
    void begin(int64_t batch_id) noexcept { trace_.begin_step(batch_id); }
    void end() noexcept { trace_.end_step(); }

    // Why a batch is handed out: its phases are from its CUPTI records, or the CUDA events.
    using Done = std::function<void(std::span<RequestRecord> served, const BatchTiming& t, bool from_records)>;
    // CUPTI only: holds a served batch (its requests, their CUDA-event times) until its records are in.
    void hold(std::span<const RequestRecord> served, const BatchTiming& t);
    // Drains the records (at most every few ms unless `forced`, which flushes CUPTI and hands out
    // every held batch): appends their copy- and compute-stream events to `gpu_events` and calls
    // `done` for every batch now complete, oldest first.
    void poll(int64_t now_ns, bool forced, std::vector<profiler::Event>& gpu_events, const Done& done);
    // The CUPTI records the last poll drained, in order (GpuRunTrace::drained).
    std::span<const profiler::GpuActivity> drained() const noexcept { return trace_.drained(); }
    // Hands out every held batch with its CUDA-event times (the device failed: no record will
    // come), each counted as timed from events.
    void release_all(const Done& done);

    void fill(DeviceView& d, int64_t now_ns, bool force) { trace_.fill(d, now_ns, force); }
    std::string incomplete_note() const { return trace_.incomplete_note(); }
    int64_t batches_from_records() const noexcept { return from_records_; }
    int64_t batches_from_events() const noexcept { return from_events_; }

private:
    struct Held {
        int64_t id = 0;
        std::vector<RequestRecord> served;
        BatchTiming t;
        int64_t first[3] = {INT64_MAX, INT64_MAX, INT64_MAX};  // h2d, compute, d2h records: earliest start
    };
    Held* find(int64_t id);

    GpuRunTrace trace_;
    std::deque<Held> held_;
    std::vector<profiler::GpuIterationJoin::Joined> joined_;
    int64_t from_records_ = 0, from_events_ = 0;
};

}  // namespace batchscope::engine::infer
