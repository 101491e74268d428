#pragma once
// The queueing model behind the serving advice: a batch's service time as a function of its size,
// fitted from measured batches (service(b) ≈ fixed + per_row × b), and a deterministic simulation
// that replays a window's arrivals through the dynamic batcher's policy (batcher.h) with that
// service time. What a knob change would do is read off the simulation of the changed setting.
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/engine/infer/serving_window.h"

namespace batchscope::engine::infer {

class BatchService;

struct ServiceFit {
    double fixed_ns = 0, per_row_ns = 0;
    bool valid = false;
    std::string source;  // "fitted over 412 batches of 1 to 8 requests", ...
    // The window's own spread, as time: each measured batch's time minus the line's (at most 2
    // lines longer, at most the line shorter), placed at the middle of that batch. A stall of the
    // machine hits whatever batch runs then, so the simulation adds each to the simulated batch
    // running at that moment (none while the simulated server idles): the changed setting meets
    // the same stalls in time, not once per batch (a setting with more batches would otherwise
    // meet more of them). Sorted by time. Empty: none.
    struct Stall {
        int64_t at_ns = 0;
        int64_t extra_ns = 0;
    };
    std::vector<Stall> stalls;
    // A batch released while the server idles starts this much later (the server thread's
    // wake-up, measured where no queue delay hides it): the mean.
    int64_t wake_ns = 0;
    // The wake-ups one by one, as stalls in time (at_ns: when the batch could have begun; extra_ns:
    // how late it did). A simulated idle start takes the measured wake-up nearest to it in time
    // (within kWakeHorizonNs; else the mean): a thread kept off its core delays whatever wakes
    // then, and the slowest wake-ups are the tail that a queue behind them turns into p99.
    std::vector<Stall> wakes;
    // A batch that follows the previous one with requests already waiting starts this much after
    // it ended (the server's turnaround, measured where no queue delay hides it); requests issued
    // meanwhile join it.
    int64_t turnaround_ns = 0;
    static constexpr int64_t kWakeHorizonNs = 5'000'000;
    int64_t wake_at(int64_t ready_ns) const noexcept;
    double at(double b) const noexcept { return fixed_ns + per_row_ns * b; }
};

// Least squares over the batches; the slope is kept at 0 or more (and the fixed part at 0 or
// more). Invalid without batches; with one batch size only, the slope cannot be told from the
// fixed part: then per_row = mean / size and fixed = 0 (no gain from batching is assumed), and
// `source` says so. `stalls` are each batch's time off the line's.
ServiceFit fit_service(std::span<const BatchPoint> batches);

// Service times measured outside a stream: serves `reps` batches of each size 1, 2, 4, ... up to
// `max_size` (after warm_up(max_size)) and returns the points; stops at the size being timed once
// `budget_ns` have passed (a slow service). Not while a run uses the service.
std::vector<BatchPoint> profile_service(BatchService& service, int max_size, int reps = 5, int64_t budget_ns = 500'000'000);

// A window's service time: fitted from its own batches when they have two sizes or more;
// otherwise `profile` (points from profile_service) scaled to the window's measured time at its
// batch size; otherwise the one-size fit.
ServiceFit window_service(const ServingWindow& w, std::span<const BatchPoint> profile);

struct ServingPolicy {
    LoadMode mode = LoadMode::Poisson;
    int concurrency = 1;  // closed loop
    int max_batch = 1;
    int64_t queue_delay_ns = 0;
    double rate_scale = 1;  // open loop: arrivals come rate_scale times as fast as in the window
};

struct Arrival {
    int64_t scheduled_ns = 0, issued_ns = 0;
};

struct SimResult {
    int64_t requests = 0, batches = 0;
    double p50_us = 0, p99_us = 0, mean_us = 0;
    double throughput_rps = 0, mean_batch = 0;
};

// Replays `arrivals` (sorted by issue time) through one server with the batcher's policy: a batch
// is released when max_batch requests are queued or when the oldest has waited queue_delay since
// it was issued, never before the server is free; it takes service.at(size). Open loop (and
// offline): the arrivals as measured, their gaps divided by rate_scale, each keeping its lateness.
// Closed loop: `concurrency` requests at the first arrival, each response lets the next one in
// (issued after `think_ns`; kMeasuredThink: as the window's client did, response by response: the
// requests one response let in, at their measured offsets from it), until as many requests as
// `arrivals` holds were served. The server is
// busy until `busy_until_ns` (the window's first batch: what queued before it waits behind earlier
// requests).
inline constexpr int64_t kMeasuredThink = -1;
SimResult simulate(std::span<const Arrival> arrivals, const ServingPolicy& p, const ServiceFit& service, int64_t think_ns = 0,
                   int64_t busy_until_ns = std::numeric_limits<int64_t>::min());

// The arrivals of a window's records, sorted by issue time.
std::vector<Arrival> arrivals_of(std::span<const RequestRecord> recs);

}  // namespace batchscope::engine::infer
