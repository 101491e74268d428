#pragma once
// Batch buffers that outlive one BatchLoader. A training run makes a new loader after each live
// worker change and for each epoch; handing them the same pool means a buffer is allocated, and
// its pages first touched, once instead of once per loader. Thread-safe: loaders take and give
// back from their worker threads.
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
    // Frees the idle buffers, e.g. after a batch-size change, so that buffers grown for the old
    // size are not kept.
    void release_idle();
    // Keeps at most `keep` idle buffers from now on, freeing those beyond it at once: page-locked
    // buffers are scarce, and a run that lowered its prefetch depth (or workers) no longer needs
    // the buffers its deeper queue used.
    void set_keep(int keep);
    int keep() const;
    HostMemory* memory() const noexcept { return memory_; }
    int64_t created() const;  // buffers made so far and not freed (idle or lent out)
    int idle() const;

private:
    HostMemory* const memory_;
    int keep_;  // guarded by m_
    mutable std::mutex m_;
    std::vector<std::unique_ptr<Batch>> idle_;
    int64_t created_ = 0;
};

}  // namespace batchscope::engine
