#pragma once
// The loader's work per batch, hidden behind the trainer or exposed to it.
//
// A batch's load time is the sum of its Load events (on loader lanes, or on the controller lane
// when there are no workers). Its exposed time is the part of that build that happened while the
// trainer waited for this batch (the overlap of its Load events with the DataWait of the
// iteration that consumed it, same id); the rest was hidden behind training. Waiting that
// overlaps no build of the batch (queue hand-off, waiting behind an earlier batch) is counted
// apart.
#include <cstdint>
#include <span>
#include <vector>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

struct BatchOverlap {
    int64_t id = 0;          // the batch id = the iteration that consumed it
    int64_t load_ns = 0;     // building the batch
    int64_t exposed_ns = 0;  // the trainer waited for it
    int64_t hidden_ns = 0;   // load_ns - exposed_ns
    int worker = -1;         // loader worker that built it; -1 = the training thread
};

struct LoaderOverlap {
    std::vector<BatchOverlap> batches;  // by id
    int64_t load_ns = 0;
    int64_t exposed_ns = 0;
    int64_t hidden_ns = 0;
    int64_t wait_other_ns = 0;          // DataWait while the batch was not being built
    int64_t wait_without_load_ns = 0;   // DataWait for ids with no Load event in the input
    std::vector<int64_t> busy_per_worker_ns;  // index = worker

    double hidden_share() const noexcept {  // of the load time, 0..1
        return load_ns > 0 ? static_cast<double>(hidden_ns) / static_cast<double>(load_ns) : 0.0;
    }
};

// Events of any phase and lane; only Load and controller-lane DataWait events are used.
LoaderOverlap loader_overlap(std::span<const Event> events);

}  // namespace batchscope::profiler
