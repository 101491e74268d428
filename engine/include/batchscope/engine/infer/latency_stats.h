#pragma once
// Latency statistics that say how much to trust them. Percentiles are by nearest rank (the value
// of the ceil(p/100 * n)-th smallest sample, as store::percentile), each reported with the number
// of samples behind it and a warning flag.
//
// The rule: a percentile p is trusted when at least 10 samples lie at or beyond it, that is when
// n >= 10 / (1 - p/100): p50 needs 20 samples, p90 100, p95 200, p99 1,000, p99.9 10,000. With
// fewer, the estimate rests on a handful of the slowest requests and moves by a large factor
// from one run to the next; it is still shown, flagged "too few samples".
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace batchscope::engine::infer {

inline constexpr std::array<double, 5> kReportedPercentiles{50.0, 90.0, 95.0, 99.0, 99.9};
inline constexpr int64_t kTailSamplesNeeded = 10;

// ceil(10 / (1 - p/100)): the samples needed to trust percentile p.
int64_t min_samples_for(double p) noexcept;

struct Percentile {
    double p = 0;            // 0..100
    int64_t value_ns = 0;
    int64_t samples = 0;     // samples behind the estimate (all of them)
    int64_t tail = 0;        // samples at or beyond it: n - rank + 1
    int64_t needed = 0;      // min_samples_for(p)
    bool enough = false;     // samples >= needed
};

struct LatencySummary {
    int64_t count = 0;
    int64_t min_ns = 0, max_ns = 0;
    double mean_ns = 0;
    bool exact = true;  // from every sample; false: from a log histogram (within 0.8%)
    std::vector<Percentile> percentiles;

    // The entry for p, or nullptr.
    const Percentile* at(double p) const noexcept;
    int64_t value_ns(double p) const noexcept;  // 0 when absent
};

// Exact summary of unsorted samples (sorts `v`).
LatencySummary summarize(std::vector<int64_t>& v, std::span<const double> ps = kReportedPercentiles);

struct HistogramBin {
    int64_t lo_ns = 0, hi_ns = 0;  // [lo, hi)
    int64_t count = 0;
};

// A log-linear histogram (128 sub-buckets per power of two: relative error under 0.8%) for
// percentiles of streams too long to keep, and for the charts. Values are clamped to [0, 2^40) ns.
class LogHistogram {
public:
    LogHistogram();
    void add(int64_t v) noexcept;
    void merge(const LogHistogram& o) noexcept;
    int64_t count() const noexcept { return count_; }
    LatencySummary summary(std::span<const double> ps = kReportedPercentiles) const;
    // Coarse log-spaced bins for a chart, `per_decade` per factor of 10, from the first to the
    // last non-empty one.
    std::vector<HistogramBin> bins(int per_decade = 10) const;

private:
    static size_t index(int64_t v) noexcept;
    static int64_t lower(size_t i) noexcept;
    std::vector<int64_t> counts_;
    int64_t count_ = 0, min_ = 0, max_ = 0;
    double sum_ = 0;
};

}  // namespace batchscope::engine::infer
