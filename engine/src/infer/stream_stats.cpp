#include "stream_stats.h"

#include <algorithm>

namespace batchscope::engine::infer {

StreamStats::StreamStats(bool keep_records) : keep_records_(keep_records), batch_sizes_(257, 0) {}

void StreamStats::add_batch(std::span<const RequestRecord> recs) {
    if (recs.empty()) return;
    ++batches_;
    ++interval_batches_;
    ++batch_sizes_[std::min<size_t>(recs.size(), batch_sizes_.size() - 1)];
    for (const RequestRecord& r : recs) {
        const int64_t lat = r.latency_ns(), late = r.lateness_ns(), q = r.queue_ns();
        if (latency_.size() < kExactLimit) {
            latency_.push_back(lat);
            lateness_.push_back(late);
            queue_.push_back(q);
        }
        latency_h_.add(lat);
        lateness_h_.add(late);
        queue_h_.add(q);
        interval_latency_.push_back(lat);
        h2d_sum_ += static_cast<double>(r.h2d_ns);
        compute_sum_ += static_cast<double>(r.compute_ns);
        d2h_sum_ += static_cast<double>(r.d2h_ns);
        if (r.correct >= 0) {
            ++checked_;
            correct_ += r.correct;
        }
        first_scheduled_ = std::min(first_scheduled_, r.scheduled_ns);
        last_done_ = std::max(last_done_, r.done_ns);
        ++completed_;
    }
    if (keep_records_) records_.insert(records_.end(), recs.begin(), recs.end());
    tick(recs.back().done_ns);
}

void StreamStats::tick(int64_t now_ns) {
    if (now_ns - interval_start_ns_ >= kIntervalNs) close_interval(now_ns);
}

void StreamStats::close_interval(int64_t end_ns) {
    if (!interval_latency_.empty()) {
        const int64_t n = static_cast<int64_t>(interval_latency_.size());
        LatencySummary s = summarize(interval_latency_, std::array<double, 3>{50.0, 90.0, 99.0});
        LatencyPoint p;
        p.t_s = static_cast<double>(end_ns - run_start_ns_) / 1e9;
        p.count = n;
        p.p50_us = static_cast<double>(s.percentiles[0].value_ns) / 1e3;
        p.p90_us = static_cast<double>(s.percentiles[1].value_ns) / 1e3;
        p.p99_us = static_cast<double>(s.percentiles[2].value_ns) / 1e3;
        p.max_us = static_cast<double>(s.max_ns) / 1e3;
        p.requests_per_s = static_cast<double>(n) / (static_cast<double>(end_ns - interval_start_ns_) / 1e9);
        p.mean_batch = static_cast<double>(n) / static_cast<double>(std::max<int64_t>(1, interval_batches_));
        series_.push_back(p);
        if (series_.size() > kMaxPoints) series_.pop_front();
    }
    interval_latency_.clear();
    interval_batches_ = 0;
    interval_start_ns_ = end_ns;
}

InferResult StreamStats::result(bool exact) const {
    InferResult r;
    r.completed = completed_;
    r.checked = checked_;
    r.correct = correct_;
    r.accuracy = checked_ > 0 ? static_cast<double>(correct_) / static_cast<double>(checked_) : -1;
    if (completed_ > 0 && last_done_ > first_scheduled_) {
        r.duration_s = static_cast<double>(last_done_ - first_scheduled_) / 1e9;
        r.throughput_rps = static_cast<double>(completed_) / r.duration_s;
    }
    if (exact && static_cast<size_t>(completed_) == latency_.size()) {
        std::vector<int64_t> a = latency_, b = lateness_, c = queue_;
        r.latency = summarize(a);
        r.lateness = summarize(b);
        r.queue = summarize(c);
    } else {
        r.latency = latency_h_.summary();
        r.lateness = lateness_h_.summary();
        r.queue = queue_h_.summary();
    }
    const double n = static_cast<double>(std::max<int64_t>(1, completed_));
    r.mean_h2d_ns = h2d_sum_ / n;
    r.mean_compute_ns = compute_sum_ / n;
    r.mean_d2h_ns = d2h_sum_ / n;
    r.batch_sizes = batch_sizes_;
    r.batches = batches_;
    r.mean_batch = batches_ > 0 ? static_cast<double>(completed_) / static_cast<double>(batches_) : 0;
    return r;
}

}  // namespace batchscope::engine::infer
