#pragma once
// Builders for constructed events and iterations in the profiler tests.
#include <cstdint>
#include <vector>

#include "batchscope/profiler/event.h"
#include "batchscope/profiler/iteration_sample.h"

namespace batchscope::profiler::test {

inline Event ev(Phase p, int64_t s, int64_t e, Lane lane = {}, int64_t id = -1, uint32_t bytes = 0) {
    return make_event(p, s, e, lane, id, bytes);
}

inline constexpr Lane kCtl{LaneKind::Controller, 0};
inline Lane worker(uint8_t k) { return {LaneKind::LoaderWorker, k}; }
inline Lane copy_lane(uint8_t k = 0) { return {LaneKind::CopyStream, k}; }
inline Lane compute_lane(uint8_t k = 0) { return {LaneKind::ComputeStream, k}; }

// `n` iterations from `first`, each `wall` ns long with the given parts (host is the rest).
inline std::vector<IterationSample> iterations(int64_t first, int n, int batch, int64_t wall, int64_t data_wait,
                                               int64_t compute, int64_t h2d = 0, int64_t d2h = 0) {
    std::vector<IterationSample> out;
    for (int i = 0; i < n; ++i) {
        IterationSample s;
        s.iteration = first + i;
        s.epoch = 1;
        s.batch_size = batch;
        s.start_ns = (first + i) * wall;
        s.end_ns = s.start_ns + wall;
        s.breakdown = {wall, compute, h2d, d2h, data_wait, wall - compute - h2d - d2h - data_wait};
        out.push_back(s);
    }
    return out;
}

}  // namespace batchscope::profiler::test
