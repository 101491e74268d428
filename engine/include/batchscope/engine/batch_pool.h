#pragma once
// Batch buffers that outlive one BatchLoader. A training run makes one epoch loader after
// another (and a new one after a live batch-size or worker change); handing them the same pool
// means each buffer is allocated, and its pages first touched, once per run instead of once per
// loader. Thread-safe: loaders take and give back from their worker threads.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace batchscope::engine {

struct Batch;
class HostMemory;

class BatchPool {
public:
    // Buffers come from `memory` (null: pageable), which must outlive the pool. At most `keep`
    // idle buffers are kept; more given back are freed.
    explicit BatchPool(HostMemory* memory = nullptr, int keep = 48);
    ~BatchPool();
    BatchPool(const BatchPool&) = delete;
    BatchPool& operator=(const BatchPool&) = delete;

    std::unique_ptr<Batch> take();          // an idle buffer, or a new one
    void give(std::unique_ptr<Batch> b);    // back for reuse (null is ignored)
    HostMemory* memory() const noexcept { return memory_; }
    int64_t created() const;  // buffers made so far and not freed (idle or lent out)
    int idle() const;

private:
    HostMemory* const memory_;
    const int keep_;
    mutable std::mutex m_;
    std::vector<std::unique_ptr<Batch>> idle_;
    int64_t created_ = 0;
};

}  // namespace batchscope::engine
