#pragma once
// Priority-ordered accounting of one iteration (docs/ARCHITECTURE.md): compute > comm > h2d > d2h > other
// device work > data wait (comm and other device work: imported traces only, zero on our runs),
// each part only gets the time no higher part covers, and host is the rest, so the parts
// always sum to the iteration's wall time even when phases overlap.
#include <cstdint>
#include <span>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

struct Breakdown {
    int64_t wall_ns = 0;
    int64_t compute_ns = 0;
    int64_t h2d_ns = 0;
    int64_t d2h_ns = 0;
    int64_t data_wait_ns = 0;
    int64_t host_ns = 0;
    int64_t comm_ns = 0;       // collectives (NCCL kernels) of an imported trace
    int64_t other_gpu_ns = 0;  // memsets, DtoD and peer copies of an imported trace

    int64_t parts_sum() const noexcept {
        return compute_ns + comm_ns + h2d_ns + d2h_ns + other_gpu_ns + data_wait_ns + host_ns;
    }
    Breakdown& operator+=(const Breakdown& o) noexcept;
};

// Breakdown of the window [start_ns, end_ns) from the intervals in `events` (events of other
// phases are ignored, intervals are clipped to the window, overlaps are resolved by priority).
Breakdown compute_breakdown(int64_t start_ns, int64_t end_ns, std::span<const Event> events);

// Mean of `n` breakdowns summed into `total` (n == 0 gives zeros).
Breakdown mean_breakdown(const Breakdown& total, int64_t n) noexcept;

// Writes the wall time and the seven parts into a row that names them as Breakdown does: the
// session store's IterationRow, filled so by a run's session sink and by a trace import. A
// template, because the profiler does not depend on the store (docs/ARCHITECTURE.md); the row's
// other fields are left as they are.
template <class Row>
void copy_parts(const Breakdown& b, Row& row) noexcept {
    row.wall_ns = b.wall_ns;
    row.compute_ns = b.compute_ns;
    row.comm_ns = b.comm_ns;
    row.h2d_ns = b.h2d_ns;
    row.d2h_ns = b.d2h_ns;
    row.other_gpu_ns = b.other_gpu_ns;
    row.data_wait_ns = b.data_wait_ns;
    row.host_ns = b.host_ns;
}

}  // namespace batchscope::profiler
