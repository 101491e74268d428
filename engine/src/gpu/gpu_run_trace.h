#pragma once
// Internal: the device side of a training or inference run on the GPU backend. Chooses how GPU
// work is timed (CUPTI when the plugin's collector starts; otherwise CUDA events, with the reason),
// tags each iteration's (or served batch's) GPU work with its id, turns the drained CUPTI records
// into copy/compute stream events and per-iteration (per-batch) breakdowns (GpuIterationJoin), and
// keeps the run's DeviceView. One thread only (the training controller, the inference server).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/plugin_cupti_collector.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/profiler/gpu_activity_tables.h"
#include "batchscope/profiler/gpu_iteration_join.h"
#include "batchscope/profiler/gpu_timing.h"

namespace batchscope::engine {

class GpuRunTrace {
public:
    // `serving`: the ids are served batches, whose last GPU work is the copy of their logits back
    // (GpuIterationJoin's any_d2h_ends).
    GpuRunTrace(GpuBackend& gpu, bool cupti_wanted, bool serving = false);
    ~GpuRunTrace();  // detaches from the backend; the collector stops
    GpuRunTrace(const GpuRunTrace&) = delete;
    GpuRunTrace& operator=(const GpuRunTrace&) = delete;

    const profiler::GpuTimingStatus& timing() const noexcept { return timing_; }
    bool cupti() const noexcept { return timing_.mode == profiler::GpuTimingMode::Cupti; }

    // Around a training step: its GPU work is tagged with the iteration id.
    void begin_step(int64_t iteration) noexcept { gpu_.set_work_id(iteration); }
    void end_step() noexcept { gpu_.set_work_id(-1); }

    // CUPTI only: holds a finished iteration until its GPU records are in. `host_events` are the
    // host's parts of its breakdown (data wait, the host's staging copy; in a pipelined run also
    // the wait for the next batch and its staging, where compute did not cover them); `fallback` is its
    // breakdown with CUDA-event timing, used when no record of it arrives.
    void hold(int64_t id, int64_t start_ns, int64_t end_ns, std::span<const profiler::Event> host_events,
              const profiler::Breakdown& fallback);

    // Drains the collector (at most every few ms unless `forced`, which waits for the copy and
    // compute streams, flushes CUPTI's buffers and gives out every held iteration). Appends the new stream-lane events to `events`
    // and the iterations now complete to `joined` (oldest first).
    void poll(int64_t now_ns, bool forced, std::vector<profiler::Event>& events,
              std::vector<profiler::GpuIterationJoin::Joined>& joined);
    // The records the last poll() drained (empty when it drained none), in the order drained: what
    // the stream-lane events it appended were made from (for a session that keeps them by name).
    std::span<const profiler::GpuActivity> drained() const noexcept { return drained_; }

    // The device view: name, memory (sampled about once a second unless `force`), tables, counts.
    void fill(DeviceView& d, int64_t now_ns, bool force);
    // Records CUPTI lost (its full buffers, or records converted but never drained).
    uint64_t dropped() const noexcept;
    uint64_t iterations_without_records() const noexcept { return join_.timed_out(); }
    // For the run's end message: "" when the GPU trace is complete, else "; CUPTI lost ..." (what
    // was lost and what it means), so losses are never silent.
    std::string incomplete_note() const;

private:
    void wait_for_streams();

    GpuBackend& gpu_;
    PluginCuptiCollector collector_;
    profiler::GpuTimingStatus timing_;
    profiler::GpuActivityTables tables_;
    profiler::StreamLanes lanes_;
    profiler::GpuIterationJoin join_;
    std::vector<profiler::GpuActivity> drained_;
    int64_t last_poll_ns_ = 0, last_memory_ns_ = 0;
    uint64_t flush_failures_ = 0;   // forced CUPTI flushes that failed (records may be missing)
    uint64_t memory_failures_ = 0;  // device memory queries that failed (the last sample was kept)
    uint64_t sync_failures_ = 0;    // stream waits before a forced flush that failed
    bool tables_changed_ = true;
    bool serving_ = false;
    BsCuptiStats stats_{};
};

}  // namespace batchscope::engine
