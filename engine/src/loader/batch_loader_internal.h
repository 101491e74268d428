#pragma once
// Internal: BatchLoader's per-thread state and the bookkeeping of a batch built in chunks.
#include <array>
#include <atomic>
#include <exception>

#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::engine {

// One thread's reusable buffers and its counters (read by stats() from other threads).
struct alignas(64) BatchLoader::Worker {
    data::SampleBuffers buf;
    data::Augmenter aug;
    int lane = -1;  // worker index; -1 for the caller's thread (0 workers)
    std::atomic<int64_t> busy_ns{0}, idle_ns{0}, batches{0}, samples{0}, skipped{0};
    std::atomic<int64_t> read_ns{0}, decode_ns{0}, augment_ns{0}, collate_ns{0};
};

struct BatchLoader::ChunkResult {
    int delivered = 0;  // samples written, in order, from the chunk's first row
    int skipped = 0;
    LoadTimes parts;
    int64_t start_ns = 0, end_ns = 0;
    int lane = -1;
    std::exception_ptr error;  // "stop" policy, or a failure that is not a sample's
};

struct BatchLoader::Building {
    std::unique_ptr<Batch> batch;
    int chunks = 0, claimed = 0, done = 0;
    std::array<int, KnobLimits::kMaxWorkers> delivered{};
    int skipped = 0;
    BatchTimes times;
    std::exception_ptr error;
    int error_chunk = KnobLimits::kMaxWorkers;  // the earliest chunk that failed
};

}  // namespace batchscope::engine
