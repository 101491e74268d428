#include "batchscope/engine/infer/batcher.h"

#include <algorithm>
#include <chrono>

#include "batchscope/profiler/clock.h"

namespace batchscope::engine::infer {
namespace {

std::chrono::steady_clock::time_point at(int64_t ns) {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));  // profiler clock = steady
}

}  // namespace

void DynamicBatcher::set_policy(BatchPolicy p) {
    {
        std::lock_guard lock(m_);
        policy_ = p;
    }
    cv_.notify_all();
}

BatchPolicy DynamicBatcher::policy() const {
    std::lock_guard lock(m_);
    return policy_;
}

void DynamicBatcher::push(const Request& r) {
    bool wake;
    {
        std::lock_guard lock(m_);
        q_.push_back(r);
        // A sleeping server needs to know when the queue stops being empty (its deadline starts)
        // or reaches a full batch; any other push changes nothing it is waiting for.
        wake = waiting_ && (q_.size() == 1 || q_.size() == static_cast<size_t>(policy_.max_batch));
    }
    if (wake) cv_.notify_one();
}

void DynamicBatcher::push_many(std::span<const Request> rs) {
    {
        std::lock_guard lock(m_);
        q_.insert(q_.end(), rs.begin(), rs.end());
    }
    cv_.notify_one();
}

DynamicBatcher::Pop DynamicBatcher::pop(std::vector<Request>& out, int64_t max_wait_ns) {
    out.clear();
    const int64_t give_up = profiler::now_ns() + max_wait_ns;
    std::unique_lock lock(m_);
    for (;;) {
        const size_t max_batch = static_cast<size_t>(std::max(1, policy_.max_batch));
        int64_t wake_at = give_up;
        if (!q_.empty()) {
            const int64_t release = q_.front().issued_ns + policy_.max_delay_ns;
            if (q_.size() >= max_batch || closed_ || profiler::now_ns() >= release) {
                const size_t n = std::min(max_batch, q_.size());
                out.assign(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(n));
                q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(n));
                return Pop::Batch;
            }
            wake_at = std::min(wake_at, release);
        } else if (closed_) {
            return Pop::Closed;
        }
        if (profiler::now_ns() >= give_up) return Pop::Timeout;
        waiting_ = true;
        cv_.wait_until(lock, at(wake_at));
        waiting_ = false;
    }
}

void DynamicBatcher::close() {
    {
        std::lock_guard lock(m_);
        closed_ = true;
    }
    cv_.notify_all();
}

size_t DynamicBatcher::clear() {
    std::lock_guard lock(m_);
    const size_t n = q_.size();
    q_.clear();
    return n;
}

size_t DynamicBatcher::depth() const {
    std::lock_guard lock(m_);
    return q_.size();
}

}  // namespace batchscope::engine::infer
