#pragma once
// How busy the GPU was in a window, from the events on stream lanes (CopyStream and
// ComputeStream): copies are the H2D/D2H events there, everything else on them is compute.
#include <cstdint>
#include <span>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

struct GpuUtilization {
    int64_t window_ns = 0;
    int64_t busy_ns = 0;     // union of all stream-lane work
    int64_t compute_ns = 0;  // union of compute work
    int64_t copy_ns = 0;     // union of copies
    int64_t overlap_ns = 0;  // copies running while compute runs
    int64_t idle_ns = 0;     // window - busy
    // Idle while the controller was inside an iteration (loading, waiting for data, launching,
    // bookkeeping): the GPU waited for the host. Of which: while the controller waited for data.
    int64_t idle_waiting_for_host_ns = 0;
    int64_t idle_waiting_for_data_ns = 0;
    int64_t idle_other_ns = 0;  // outside iterations: evaluation, pauses, start-up

    double busy_share() const noexcept { return ratio(busy_ns, window_ns); }
    double overlap_share() const noexcept { return ratio(overlap_ns, copy_ns); }  // of the copy time
    static double ratio(int64_t a, int64_t b) noexcept {
        return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
    }
};

// The window [start_ns, end_ns); events are clipped to it. The controller lane's events
// (except Evaluate) mark when the host was in an iteration.
GpuUtilization gpu_utilization(std::span<const Event> events, int64_t start_ns, int64_t end_ns);

bool is_stream_lane(Lane lane) noexcept;

}  // namespace batchscope::profiler
