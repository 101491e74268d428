#pragma once
// What an inference run is asked to do, and the limits of each knob.
#include <cstdint>
#include <string>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/knobs/knob.h"

namespace batchscope::engine::infer {

// The live knobs' ranges come from the knob registry (knobs/knob.h).
struct InferLimits {
    using Knob = knobs::Knob;
    static constexpr int kMinMaxBatch = knobs::min_int(Knob::MaxBatch), kMaxMaxBatch = knobs::max_int(Knob::MaxBatch);
    static constexpr int64_t kMaxQueueDelayUs = knobs::max_int(Knob::QueueDelayUs);  // 1 s
    static constexpr int kMinConcurrency = knobs::min_int(Knob::Concurrency), kMaxConcurrency = knobs::max_int(Knob::Concurrency);
    static constexpr double kMinRate = knobs::info(Knob::Rate).min, kMaxRate = knobs::info(Knob::Rate).max;  // requests/s
    static constexpr int kMinBurst = 1, kMaxBurst = 4096;
    static constexpr int64_t kMaxRequests = 100'000'000;
    static constexpr int kMinThreads = 1, kMaxThreads = 64;
};

struct InferConfig {
    std::string checkpoint;       // the model (see checkpoint.h); not needed with a service given
    std::string data_dir;         // Fashion-MNIST folder; empty: Debian's dataset-fashion-mnist
    int64_t test_limit = 0;       // serve only the first N test samples (0 = all)
    LoadMode mode = LoadMode::Poisson;
    double rate = 1000;           // requests/s (open loop); live
    int burst = 8;                // requests per burst (mode bursts)
    int concurrency = 1;          // requests outstanding (closed loop); live
    int64_t requests = 10000;     // requests to issue; 0 = until stop() (not offline)
    int max_batch = 1;            // dynamic batcher: largest batch; live
    int64_t queue_delay_us = 0;   // dynamic batcher: longest wait for a fuller batch; live
    std::string backend = "cpu";  // cpu, or cuda (a checkpoint served on the GPU through the plugin)
    bool cuda_graphs = true;      // cuda: each batch size served as a replayed CUDA graph (gpu_service.h)
    int threads = 1;              // BLAS threads
    uint64_t seed = 0;            // arrival times and the order of samples
    int64_t spin_us = 50;         // the generator spins the last part of each wait (precision vs CPU)
    bool keep_records = false;    // keep every RequestRecord in the result (tests, exports)
    bool cupti = true;            // GPU services: trace the GPU with CUPTI when it starts (false: CUDA events)
};

// Empty when valid, else a message naming the bad field, its value and the allowed range.
std::string validate(const InferConfig& c);

// Empty when `value` is allowed for the live knob `name` ("rate", "concurrency", "max_batch",
// "queue_delay_us"), else what is allowed.
std::string validate_infer_knob(knobs::Knob knob, double value);
// The same for a knob named in text from outside (a preset file, a command line).
std::string validate_infer_knob(const std::string& name, double value);

}  // namespace batchscope::engine::infer
