#pragma once
// Host tracer: each thread appends to its own single-producer ring, no lock on the hot path.
// A reader drains all rings; a full ring drops the new event and counts it (bounded memory).
// A thread's ring is freed once the thread has ended and its events are drained: threads that
// come and go (a loader's workers, one set per epoch) do not leave their rings behind.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "batchscope/profiler/clock.h"
#include "batchscope/profiler/event.h"
#include "batchscope/profiler/tsc_clock.h"

namespace batchscope::profiler {

class HostTracer {
public:
    explicit HostTracer(size_t per_thread_capacity = 1u << 14);
    ~HostTracer();
    HostTracer(const HostTracer&) = delete;
    HostTracer& operator=(const HostTracer&) = delete;

    void set_enabled(bool on) noexcept { enabled_.store(on, std::memory_order_relaxed); }
    bool enabled() const noexcept { return enabled_.load(std::memory_order_relaxed); }

    // Hot path: append to the calling thread's ring. Safe from any thread.
    void record(const Event& e) noexcept;

    // Moves every recorded event into `out` (appends); returns how many. One reader at a time.
    // Also keeps the TSC clock of TraceScope fitted to the steady clock (tsc_clock_tick).
    size_t drain(std::vector<Event>& out);

    uint64_t dropped() const noexcept;  // ever, the rings of ended threads included
    size_t thread_count() const;        // rings held now: threads recording, or ended and not drained yet

private:
    struct Ring;
    Ring* ring_for_this_thread();

    const size_t capacity_;
    const uint64_t generation_;
    std::atomic<bool> enabled_{true};
    mutable std::mutex rings_mutex_;  // only taken the first time a thread records, and by drain
    std::vector<std::shared_ptr<Ring>> rings_;  // shared with the thread writing to each
    uint64_t retired_dropped_ = 0;               // drops counted in rings since freed
    std::mutex drain_mutex_;
};

// Records [construction, destruction) as one event, timed with fast_now_ns() (the TSC mapped
// onto the steady clock where it can be trusted; see tsc_clock.h).
class TraceScope {
public:
    TraceScope(HostTracer* tracer, Phase phase, Lane lane, int64_t id, uint32_t bytes = 0) noexcept
        : tracer_(tracer), event_{} {
        event_.phase = phase;
        event_.lane = lane;
        event_.id = id;
        event_.bytes = bytes;
        event_.start_ns = (tracer_ && tracer_->enabled()) ? fast_now_ns() : 0;
    }
    ~TraceScope() {
        if (tracer_ && event_.start_ns != 0) {
            event_.end_ns = fast_now_ns();
            tracer_->record(event_);
        }
    }
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;

private:
    HostTracer* tracer_;
    Event event_;
};

}  // namespace batchscope::profiler
