#pragma once
// What a training run is asked to do, and the limits of each knob.
#include <cstdint>
#include <string>

namespace batchscope::engine {

struct KnobLimits {
    static constexpr int kMinBatch = 1, kMaxBatch = 8192;
    static constexpr int kMinPrefetch = 0, kMaxPrefetch = 64;
    static constexpr int kMinWorkers = 0, kMaxWorkers = 16;
    static constexpr int kMinEpochs = 1, kMaxEpochs = 1000;
    static constexpr int kMinThreads = 1, kMaxThreads = 64;
};

struct TrainConfig {
    std::string data_dir;        // empty: find Debian's dataset-fashion-mnist
    int batch_size = 128;
    int prefetch_depth = 2;      // batches the loader may hold ready ahead of the trainer
    int workers = 2;             // loader threads; 0 = load in the training thread
    int epochs = 1;
    uint64_t seed = 0;
    float learning_rate = 0.05f;
    float momentum = 0.9f;
    int threads = 1;             // BLAS threads for compute
    int64_t train_limit = 0;     // use only the first N training samples (0 = all)
    int64_t test_limit = 0;      // evaluate on the first N test samples (0 = all)
    bool trace = true;           // record host trace events
};

// Empty when valid, else a message that names the bad field, its value and the allowed range.
std::string validate(const TrainConfig& c);

// Empty when `value` is in range for the knob called `name` ("batch_size", "prefetch_depth",
// "workers"), else a message saying what is allowed.
std::string validate_knob(const std::string& name, int64_t value);

}  // namespace batchscope::engine
