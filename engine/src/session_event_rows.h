#pragma once
// Internal: the event rows the session sinks (training and inference) store for a run that saves
// its events: its trace events, and on the GPU with CUPTI its device records by name.
//
// Which rows describe the device work: a GPU run's stream-lane events (profiler::append_events)
// and its CUPTI records are the same work twice, one event per kernel, copy or memset. A sink that
// gets the records stores them, as named device rows (name, kind, copy direction, pinned, with the
// iteration or batch id, phase and stream lane of the stream-lane event), and leaves the
// stream-lane events out: a named row holds everything the event's row held, and one row per piece of
// work keeps the Chrome export (which draws named rows as kernel / gpu_memcpy / gpu_memset slices)
// and the session-detail timeline from drawing each kernel twice. Without CUPTI (CUDA-event
// timing) there are no records, and the stream-lane events are stored as before.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/profiler/gpu_utilization.h"
#include "batchscope/store/records.h"

namespace batchscope::engine {

// A trace event as a plain (unnamed) row.
store::EventRow event_row(const profiler::Event& e);

// Our own GPU run's CUPTI records as named device rows, the rows an imported trace stores for its
// kernels, copies and memsets (trace_import/stored_events.h), so that a saved session's kernel and
// copy tables (analysis/session_detail.h) are the live run's. Give it every record the run drains,
// in the order drained: each (device, stream) then gets the lane index the live run's stream lanes
// gave it (the same profiler::StreamLanes over the same records).
class DeviceRecordRows {
public:
    // Appends a row per kernel, copy and memset of `records`. Runtime calls, synchronisations and
    // CUPTI's overhead records are not kept (the live kernel and copy tables leave them out too).
    void append(std::span<const profiler::GpuActivity> records, std::vector<store::EventRow>& out);

    // The stream-lane events the run made from the records appended so far and has not yet
    // delivered: the next ones on_events brings, which the sink leaves out (skip_replaced).
    // Stream-lane events no record describes (a batch timed with CUDA events after the device
    // failed) are kept.
    bool skip_replaced(const profiler::Event& e) {
        if (replaced_ == 0 || !profiler::is_stream_lane(e.lane)) return false;
        --replaced_;
        return true;
    }

private:
    profiler::StreamLanes lanes_;
    std::vector<profiler::Event> one_;
    uint64_t replaced_ = 0;
};

// What a session sink stores of a run that saves its events, each call's rows ready for
// SessionRecorder::add_events (valid until the next call): the trace events, less the stream-lane
// events that device records already gave as named rows, and the device records.
class SavedEventRows {
public:
    std::span<const store::EventRow> of_events(std::span<const profiler::Event> events);
    std::span<const store::EventRow> of_device_records(std::span<const profiler::GpuActivity> records);

private:
    std::optional<DeviceRecordRows> device_;  // once the run gives device records
    std::vector<store::EventRow> rows_;
};

}  // namespace batchscope::engine
