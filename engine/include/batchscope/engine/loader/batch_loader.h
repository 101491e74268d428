#pragma once
// One epoch's batches from a SampleSource, built by N worker threads into a bounded prefetch
// window and handed to the trainer in sampler order. Each sample is read, decoded, augmented
// and collated into reused batch buffers (no heap allocation per batch once warm). Unless the
// prefetch window holds two batches per worker, a batch is split into chunks (of at least 8
// samples) that several workers build side by side, so that even with nothing prefetched all
// workers help with the batch the trainer waits for, and no worker waits long for an earlier
// batch to be finished by another. The window (prefetch depth) can change
// while it runs; the storage profile too (through the source).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "batchscope/engine/loader/batch_pool.h"
#include "batchscope/engine/data/augment.h"
#include "batchscope/engine/data/sample_source.h"
#include "batchscope/engine/loader/host_memory.h"
#include "batchscope/engine/loader/loader_stats.h"

namespace batchscope::profiler {
class HostTracer;
}

namespace batchscope::engine {

// What a batch carries: float samples (CHW, scaled / normalised: what the model takes), or the
// 8-bit pixels as decoded (HWC), converted later where the batch is consumed (to_float(); on a
// GPU this is done on the device after a copy four times smaller, as DALI and FFCV do).
enum class BatchFormat : uint8_t { Float32 = 0, Uint8 };

struct Batch {
    // Buffers from `memory` (null: pageable); the GPU backend passes page-locked memory.
    explicit Batch(HostMemory* memory = nullptr)
        : x(HostAllocator<float>(memory)), pixels(HostAllocator<uint8_t>(memory)), y(HostAllocator<int32_t>(memory)) {}
    int64_t seq = 0;        // position of this batch in the loader's sequence
    int64_t id = 0;         // first_batch_id + seq: the iteration that will consume it
    int size = 0;           // samples delivered in this batch
    int skipped = 0;        // samples of its range left out (error policy "skip")
    int64_t positions = 0;  // sampler positions it covers: size + skipped (+ the rest when failed)
    BatchTimes times;       // parts summed over its chunks; start/end span them; worker: chunk 0's
    BatchFormat format = BatchFormat::Float32;
    HostVector<float> x;    // Float32: size * features, CHW per sample, scaled to [0, 1] (or normalised)
    HostVector<uint8_t> pixels;   // Uint8: size * features, HWC per sample, as decoded (and augmented)
    HostVector<int32_t> y;
    std::exception_ptr error;  // "stop" policy: the sample error that ended this batch
};

struct LoaderOptions {
    int batch_size = 128;
    int workers = 2;         // 0: batches are built in next(), on the caller's thread
    int prefetch_depth = 2;  // batches that may be built ahead of the consumer
    bool drop_last = false;
    data::ErrorPolicy on_error = data::ErrorPolicy::Stop;
    data::ImageShape output{};  // every sample's shape in a batch; empty: the source's shape
    data::AugmentOptions augment;
    BatchFormat format = BatchFormat::Float32;
    HostMemory* memory = nullptr;  // where batch buffers come from (null: pageable); must outlive the loader
    // Where batch buffers are taken from and given back to, so that they outlive this loader
    // (null: the loader's own, freed with it). Batches come from the pool's memory; `memory`, if
    // set, must be the same (std::invalid_argument otherwise). Must outlive the loader.
    BatchPool* pool = nullptr;
};

// A Uint8 batch's samples as floats (CHW, scaled and normalised by `collate`) into dst (size *
// features floats). Float32 batches are copied.
void to_float(const Batch& b, data::ImageShape sample, const data::Collator& collate, float* dst);

class BatchLoader {
public:
    // Visits `order[start_pos..]` of `source` (both must outlive the loader). Batch k's id is
    // first_batch_id + k; load events go to `tracer` (may be null).
    BatchLoader(const data::SampleSource& source, std::span<const uint32_t> order, int64_t start_pos,
                LoaderOptions opts, profiler::HostTracer* tracer, int64_t first_batch_id);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // The next batch in order, blocking until it is built; nullptr at the end of the order.
    // Under the "stop" policy, throws the SampleError (naming the file) of a sample it holds.
    std::unique_ptr<Batch> next();
    // Gives a consumed batch's buffers back for reuse (to the loader's pool).
    void recycle(std::unique_ptr<Batch> b);

    void set_prefetch_depth(int depth);  // live; never loses or repeats a sample
    int prefetch_depth() const;
    int ready_count() const;             // built batches the consumer can take now, in order
    int64_t batches_total() const noexcept { return total_batches_; }
    // Sampler positions consumed by next(), past start_pos (skipped samples included).
    int64_t consumed_samples() const noexcept { return consumed_positions_; }
    int64_t busy_ns() const noexcept;    // summed over workers
    LoaderStats stats() const;
    const LoaderOptions& options() const noexcept { return opts_; }
    int64_t features() const noexcept { return features_; }
    const data::Collator& collator() const noexcept { return collate_; }
    // Bytes of the batch buffers this loader has allocated (ready, being built, recycled, or
    // handed out and not yet returned), at the full batch size; with a pool, the pool's buffers.
    int64_t buffer_bytes() const;

private:
    struct Worker;
    struct Building;
    struct ChunkResult;
    void worker_main(int index);
    bool may_claim_locked() const;
    void open_batch_locked();  // the next batch: a buffer, its size, its chunks
    // Builds samples [lo, hi) of batch `b` into its rows lo.. (skipped samples leave them unused).
    ChunkResult build_chunk(Batch& b, int64_t lo, int64_t hi, Worker& w);
    void finish_chunk_locked(int64_t seq, int chunk, const ChunkResult& r);  // the last one publishes it

    const data::SampleSource& source_;
    std::span<const uint32_t> order_;
    const int64_t start_pos_;
    LoaderOptions opts_;
    std::unique_ptr<BatchPool> own_pool_;  // when opts_.pool is null: freed with the loader
    BatchPool* pool_;                      // where batch buffers come from and go back to
    profiler::HostTracer* tracer_;
    const int64_t first_batch_id_;
    int64_t total_batches_ = 0;
    int64_t features_ = 0;
    data::Collator collate_;
    std::vector<std::unique_ptr<Worker>> workers_;  // per thread (one for the caller with 0 workers)
    std::atomic<bool> cancel_{false};

    mutable std::mutex skipped_m_;
    std::vector<std::string> skipped_samples_;  // the first kNamedSkips skipped samples (skipped_m_)

    mutable std::mutex m_;
    std::condition_variable cv_work_;   // workers: a batch may be claimed / stop
    std::condition_variable cv_ready_;  // consumer: a batch became ready
    std::vector<std::unique_ptr<Batch>> slots_;  // ready batches by seq % slots_.size()
    std::vector<Building> building_;             // batches being built, by seq % slots_.size()
    int64_t next_open_ = 0;   // the next batch to start building
    int64_t open_seq_ = -1;   // the batch that still has chunks to hand out (-1: none)
    int64_t next_consume_ = 0;
    bool consumer_waiting_ = false;
    bool stop_ = false;
    int64_t consumed_positions_ = 0;
    std::vector<std::thread> threads_;
};

}  // namespace batchscope::engine
