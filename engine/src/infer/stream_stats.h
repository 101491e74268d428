#pragma once
// Internal: what the server thread accumulates over a stream (exact samples while they fit,
// log histograms always, per-interval points for the latency-over-time chart).
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "batchscope/engine/infer/infer_snapshot.h"

namespace batchscope::engine::infer {

class StreamStats {
public:
    static constexpr size_t kExactLimit = 4'000'000;       // samples kept for exact percentiles
    static constexpr int64_t kIntervalNs = 250'000'000;    // one chart point per 0.25 s
    static constexpr size_t kMaxPoints = 2400;             // the last 10 minutes

    explicit StreamStats(bool keep_records);
    void begin(int64_t run_start_ns) noexcept { run_start_ns_ = interval_start_ns_ = run_start_ns; }

    void add_batch(std::span<const RequestRecord> recs);
    void tick(int64_t now_ns);  // closes the current interval when it is over
    void finish(int64_t now_ns) { close_interval(now_ns); }  // the last, partial interval

    // Totals so far. `exact`: percentiles from every sample (sorts copies; the end of a run).
    InferResult result(bool exact) const;
    std::vector<RequestRecord> take_records() { return std::move(records_); }
    std::vector<HistogramBin> latency_bins() const { return latency_h_.bins(10); }
    const std::deque<LatencyPoint>& series() const noexcept { return series_; }
    int64_t completed() const noexcept { return completed_; }

private:
    void close_interval(int64_t end_ns);

    int64_t run_start_ns_ = 0;
    bool keep_records_;
    std::vector<int64_t> latency_, lateness_, queue_;
    LogHistogram latency_h_, lateness_h_, queue_h_;
    std::vector<RequestRecord> records_;
    int64_t completed_ = 0, checked_ = 0, correct_ = 0, batches_ = 0;
    int64_t first_scheduled_ = INT64_MAX, last_done_ = 0;
    double h2d_sum_ = 0, compute_sum_ = 0, d2h_sum_ = 0;
    std::vector<int64_t> batch_sizes_;

    int64_t interval_start_ns_ = 0;
    std::vector<int64_t> interval_latency_;
    int64_t interval_batches_ = 0;
    std::deque<LatencyPoint> series_;
};

}  // namespace batchscope::engine::infer
