#include "batchscope/engine/loader/batch_pool.h"

#include "batchscope/engine/loader/batch_loader.h"

namespace batchscope::engine {

BatchPool::BatchPool(HostMemory* memory, int keep) : memory_(memory), keep_(keep < 0 ? 0 : keep) {
    idle_.reserve(static_cast<size_t>(keep_));
}

BatchPool::~BatchPool() = default;

std::unique_ptr<Batch> BatchPool::take() {
    {
        std::lock_guard lock(m_);
        if (!idle_.empty()) {
            auto b = std::move(idle_.back());
            idle_.pop_back();
            return b;
        }
        ++created_;
    }
    return std::make_unique<Batch>(memory_);  // allocated outside the lock; empty until resized
}

void BatchPool::give(std::unique_ptr<Batch> b) {
    if (!b) return;
    b->error = nullptr;  // a held exception (and the file name in it) is not kept alive
    std::unique_lock lock(m_);
    if (idle_.size() < static_cast<size_t>(keep_)) {
        idle_.push_back(std::move(b));
        return;
    }
    --created_;
    lock.unlock();  // freed outside the lock
}

void BatchPool::release_idle() {
    std::vector<std::unique_ptr<Batch>> idle;
    {
        std::lock_guard lock(m_);
        idle.swap(idle_);
        created_ -= static_cast<int64_t>(idle.size());
        idle_.reserve(static_cast<size_t>(keep_));
    }
}  // freed here, outside the lock

void BatchPool::set_keep(int keep) {
    std::vector<std::unique_ptr<Batch>> freed;
    {
        std::lock_guard lock(m_);
        keep_ = keep < 0 ? 0 : keep;
        while (idle_.size() > static_cast<size_t>(keep_)) {
            freed.push_back(std::move(idle_.back()));
            idle_.pop_back();
        }
        created_ -= static_cast<int64_t>(freed.size());
    }
}  // freed here, outside the lock

int BatchPool::keep() const {
    std::lock_guard lock(m_);
    return keep_;
}

int64_t BatchPool::created() const {
    std::lock_guard lock(m_);
    return created_;
}

int BatchPool::idle() const {
    std::lock_guard lock(m_);
    return static_cast<int>(idle_.size());
}

}  // namespace batchscope::engine
