#pragma once
// One epoch's batches, built by N worker threads into a bounded prefetch window and handed to
// the trainer in sampler order. The window (prefetch depth) can change while it runs.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "batchscope/engine/image_dataset.h"

namespace batchscope::profiler {
class HostTracer;
}

namespace batchscope::engine {

struct Batch {
    int64_t seq = 0;       // position of this batch in the loader's sequence
    int64_t id = 0;        // first_batch_id + seq: the iteration that will consume it
    int size = 0;          // samples in this batch
    std::vector<float> x;  // size * features, pixels scaled to [0, 1]
    std::vector<int32_t> y;
};

struct LoaderOptions {
    int batch_size = 128;
    int workers = 2;         // 0: batches are built in next(), on the caller's thread
    int prefetch_depth = 2;  // batches that may be built ahead of the consumer
    bool drop_last = false;
};

class BatchLoader {
public:
    // Visits `order[start_pos..]` of `data` (both must outlive the loader). Batch k's id is
    // first_batch_id + k; load events go to `tracer` (may be null).
    BatchLoader(const ImageDataset& data, std::span<const uint32_t> order, int64_t start_pos, LoaderOptions opts,
                profiler::HostTracer* tracer, int64_t first_batch_id);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // The next batch in order, blocking until it is built; nullptr at the end of the order.
    std::unique_ptr<Batch> next();
    // Gives a consumed batch's buffers back for reuse.
    void recycle(std::unique_ptr<Batch> b);

    void set_prefetch_depth(int depth);  // live; never loses or repeats a sample
    int prefetch_depth() const;
    int ready_count() const;             // built batches waiting for the consumer
    int64_t batches_total() const noexcept { return total_batches_; }
    int64_t consumed_samples() const noexcept { return consumed_samples_; }  // by next(), past start_pos
    int64_t busy_ns() const noexcept { return busy_ns_.load(std::memory_order_relaxed); }
    const LoaderOptions& options() const noexcept { return opts_; }

private:
    void worker_main(int index);
    bool may_claim_locked() const;
    void build(int64_t seq, Batch& b, int lane_index);
    std::unique_ptr<Batch> take_buffer_locked();

    const ImageDataset& data_;
    std::span<const uint32_t> order_;
    const int64_t start_pos_;
    LoaderOptions opts_;
    profiler::HostTracer* tracer_;
    const int64_t first_batch_id_;
    int64_t total_batches_ = 0;

    mutable std::mutex m_;
    std::condition_variable cv_work_;   // workers: a batch may be claimed / stop
    std::condition_variable cv_ready_;  // consumer: a batch became ready
    std::vector<std::unique_ptr<Batch>> slots_;  // ready batches by seq % slots_.size()
    std::vector<std::unique_ptr<Batch>> free_;   // recycled buffers
    int64_t next_claim_ = 0;
    int64_t next_consume_ = 0;
    int ready_ = 0;
    bool consumer_waiting_ = false;
    bool stop_ = false;
    int64_t consumed_samples_ = 0;
    std::atomic<int64_t> busy_ns_{0};
    std::vector<std::thread> threads_;
};

}  // namespace batchscope::engine
