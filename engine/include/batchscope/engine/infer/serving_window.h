#pragma once
// A window of served requests, summarised for the serving verdict (serving_verdict.h): where the
// mean and the p99 latency went, how busy the server was, and each batch's size and service time.
//
// A request's latency (scheduled arrival → response) is divided into five parts that sum to it:
// the generator's lateness (issued − scheduled), the queue wait while the server was busy with
// earlier batches, the queue wait while the server idled (the batcher holding requests for a fuller
// batch, or waking the server), its batch's copies (h2d + d2h) and the rest of its batch's service
// time (compute, with the host's work around it). Requests are served in order, so a wait before
// the window's first batch is counted as behind a busy server (it waited behind earlier requests).
#include <cstdint>
#include <span>
#include <vector>

#include "batchscope/engine/infer/request.h"

namespace batchscope::engine::infer {

// Parts of a request's latency, in ns (means over the requests they describe).
struct LatencyParts {
    double late = 0;        // the generator issued it behind schedule
    double busy_wait = 0;   // queued while the server served earlier batches
    double idle_wait = 0;   // queued while the server idled: waiting for a fuller batch (or the wake-up)
    double compute = 0;     // its batch's service time less the copies
    double copies = 0;      // its batch's h2d + d2h
    double total() const noexcept { return late + busy_wait + idle_wait + compute + copies; }
};

struct BatchPoint {
    int size = 0;
    int64_t service_ns = 0;  // start to response
    int64_t start_ns = 0;    // when it began (0 for a profile's batches, timed outside a stream)
};

struct ServingWindow {
    int64_t requests = 0, batches = 0;
    int64_t first_id = -1, last_id = -1;
    double seconds = 0;         // first scheduled arrival to last response
    double offered_rps = 0;     // scheduled arrivals per second
    double throughput_rps = 0;  // responses per second
    double p50_us = 0, p99_us = 0, mean_us = 0;
    bool p99_trusted = false;   // at least 1,000 requests (latency_stats.h)
    double mean_batch = 0;
    double mean_service_ns = 0; // per batch
    double utilisation = 0;     // the server's busy time / (first batch start to last response)
    int64_t first_start_ns = 0; // the window's first batch began (the server was busy until then)
    // Mean, over the batches begun with the server idle, of the time from when one could have
    // begun (its first request issued, the previous batch done) to its start: with no queue delay,
    // the server thread's wake-up; with one, the delay as well.
    double idle_start_ns = 0;
    // Mean, over the batches whose first request was waiting when the previous batch ended, of the
    // time from that end to their start: the server's turnaround (responses handed back, the queue
    // taken). Requests issued meanwhile join the batch.
    double busy_start_ns = 0;
    // Each of those batches: when it could have begun, and how much later it did (sorted by time).
    // Their mean is idle_start_ns; the model replays each at its time (serving_model.h).
    struct IdleStart {
        int64_t ready_ns = 0, late_ns = 0;
    };
    std::vector<IdleStart> idle_starts;
    LatencyParts mean;          // over all requests
    LatencyParts tail;          // over the requests at or above p99
    std::vector<BatchPoint> batch_points;
    bool empty() const noexcept { return requests == 0; }
};

// `recs` in any order; requests of one batch share start_ns and done_ns.
ServingWindow summarize_serving(std::span<const RequestRecord> recs);

// Share of `part` in `of` (0 when `of` is 0).
inline double share(double part, double of) noexcept { return of > 0 ? part / of : 0; }

}  // namespace batchscope::engine::infer
