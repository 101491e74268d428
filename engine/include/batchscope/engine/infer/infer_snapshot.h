#pragma once
// Results of an inference run, and the immutable pictures the GUI and CLI poll while it runs.
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/engine/infer/latency_stats.h"
#include "batchscope/engine/infer/request.h"
#include "batchscope/engine/run_snapshot.h"  // RunState, KnobChange, DeviceView
#include "batchscope/profiler/gpu_timing.h"

namespace batchscope::engine::infer {

struct InferResult {
    int64_t issued = 0;      // requests the generator issued
    int64_t completed = 0;   // requests answered
    int64_t dropped = 0;     // issued but never served (the run was stopped)
    int64_t checked = 0, correct = 0;  // answers checked against the label, and right
    double accuracy = -1;    // correct / checked; -1 when nothing was checked
    double duration_s = 0;   // first scheduled arrival to last response
    double throughput_rps = 0;  // completed / duration_s
    LatencySummary latency;  // response - scheduled arrival
    LatencySummary lateness; // the generator's own: actual - scheduled issue time
    LatencySummary queue;    // batch start - scheduled arrival
    double mean_h2d_ns = 0, mean_compute_ns = 0, mean_d2h_ns = 0;  // per request (its batch's)
    std::vector<int64_t> batch_sizes;  // batch_sizes[k] = batches of k requests (k = 0..256)
    int64_t batches = 0;
    double mean_batch = 0;
    std::vector<RequestRecord> records;  // every request, only with InferConfig::keep_records
    // How h2d, compute and d2h were timed (one line: the host clock; CUPTI records; CUDA events
    // and why not CUPTI), and the GPU's timing choice (mode None on the CPU).
    std::string timing;
    profiler::GpuTimingStatus gpu_timing;
    // GPU services: the device (memory; with CUPTI the kernel and copy tables of the stream, records
    // received and dropped), and how many batches had their phases from CUPTI records and how many
    // kept their CUDA-event times (no record arrived in time).
    DeviceView device;
    int64_t batches_from_records = 0, batches_from_events = 0;
};

// One point of the latency-over-time chart: the requests answered in one interval.
struct LatencyPoint {
    double t_s = 0;  // end of the interval, seconds since the run started
    int64_t count = 0;
    double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
    double requests_per_s = 0;
    double mean_batch = 0;
};

struct InferSnapshot {
    RunState state = RunState::Idle;
    std::string message;
    // Knobs in effect.
    LoadMode mode = LoadMode::Poisson;
    double rate = 0;
    int concurrency = 0;
    int max_batch = 0;
    int64_t queue_delay_us = 0;
    int burst = 0;
    // What is served.
    std::string model, dataset, backend;
    int64_t requests_target = 0;  // 0: until stopped
    int64_t queue_depth = 0;      // requests waiting in the batcher now
    double elapsed_s = 0;

    // So far (live: percentiles from histograms, within 0.8%; exact in the final snapshot).
    InferResult totals;  // without records
    std::vector<HistogramBin> latency_histogram;  // 10 bins per decade
    std::vector<LatencyPoint> series;             // one point per 0.25 s (the last 2400)
    std::vector<KnobChange> knob_changes;         // `iteration` = first request id after the change
};

}  // namespace batchscope::engine::infer
