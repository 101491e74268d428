#pragma once
// Waiting on a live run from the advice benchmark's two halves (training and serving).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

#include "batchscope/engine/run_snapshot.h"

namespace bench_wait {

inline void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Waits (up to 10 s) until the run applied `n` knob changes; the iteration (training) or first
// request id (serving) of the newest, or -1 when the run ended first or it did not come.
template <typename Run>
int64_t applied(Run& run, size_t n) {
    for (int i = 0; i < 2000; ++i) {
        auto s = run.snapshot();
        if (s->knob_changes.size() >= n) return s->knob_changes.back().iteration;
        if (batchscope::engine::run_ended(s->state)) return -1;
        sleep_s(0.005);
    }
    return -1;
}

}  // namespace bench_wait
