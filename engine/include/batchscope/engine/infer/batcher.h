#pragma once
// The dynamic batcher between the load generator and the server (as Triton's): a batch is released
// when `max_batch` requests are queued, or when the oldest has waited `max_delay_ns` since it was
// issued, whichever comes first. The policy can change while requests flow (live knobs).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

#include "batchscope/engine/infer/request.h"

namespace batchscope::engine::infer {

struct BatchPolicy {
    int max_batch = 1;          // 1..256
    int64_t max_delay_ns = 0;   // 0: never wait for more requests
};

class DynamicBatcher {
public:
    explicit DynamicBatcher(BatchPolicy p) : policy_(p) {}

    void set_policy(BatchPolicy p);  // applies to the next batch released
    BatchPolicy policy() const;

    void push(const Request& r);
    void push_many(std::span<const Request> rs);

    enum class Pop { Batch, Timeout, Closed };
    // Blocks until the policy releases a batch into `out` (replacing its contents), at most
    // `max_wait_ns` (then Timeout, `out` empty). After close() the queue is flushed without
    // waiting for the delay, then Closed.
    Pop pop(std::vector<Request>& out, int64_t max_wait_ns);

    void close();                  // no more pushes will come
    size_t clear();                // drops what is queued (a stopped run); returns how many
    size_t depth() const;

private:
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::deque<Request> q_;
    BatchPolicy policy_;
    bool closed_ = false;
    bool waiting_ = false;  // the server sleeps in pop(): pushes wake it only when it matters
};

}  // namespace batchscope::engine::infer
