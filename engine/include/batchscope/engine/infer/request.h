#pragma once
// One inference request: what the load generator hands the batcher, and what is known of it once
// it has been served. All times are on the profiler clock (profiler::now_ns, nanoseconds).
#include <cstdint>

namespace batchscope::engine::infer {

struct Request {
    int64_t id = 0;            // 0, 1, 2, ... in issue order
    int64_t sample = 0;        // which test-set sample it carries
    int64_t scheduled_ns = 0;  // when it was due to arrive (open loop: the arrival schedule)
    int64_t issued_ns = 0;     // when the generator actually handed it to the batcher
};

struct RequestRecord {
    int64_t id = 0;
    int64_t sample = 0;
    int64_t scheduled_ns = 0;
    int64_t issued_ns = 0;
    int64_t start_ns = 0;  // its batch started (the queue wait ends)
    int64_t done_ns = 0;   // its response was ready
    int64_t h2d_ns = 0, compute_ns = 0, d2h_ns = 0;  // of its batch
    int batch_size = 0;
    int8_t correct = -1;   // 1 / 0 when the answer was checked against the label, -1 when not

    // Measured from the *scheduled* arrival, so a late generator or a stalled server cannot hide
    // the time a request would have spent waiting (coordinated omission).
    int64_t latency_ns() const noexcept { return done_ns - scheduled_ns; }
    int64_t queue_ns() const noexcept { return start_ns - scheduled_ns; }   // includes lateness
    int64_t lateness_ns() const noexcept { return issued_ns - scheduled_ns; }
};

}  // namespace batchscope::engine::infer
