#include "batchscope/engine/infer/latency_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

namespace batchscope::engine::infer {
namespace {

constexpr int kSubBits = 7;  // 128 sub-buckets per octave
constexpr int64_t kSub = int64_t{1} << kSubBits;
constexpr int kMaxBits = 40;  // values up to 2^40 ns (18 minutes)
constexpr size_t kBuckets = static_cast<size_t>(kSub + (kMaxBits - kSubBits) * kSub);

// Nearest rank (1-based) of percentile p among n samples.
int64_t rank_of(double p, int64_t n) {
    const auto r = static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(n) - 1e-9));
    return std::clamp<int64_t>(r, 1, n);
}

Percentile make_percentile(double p, int64_t n, int64_t value) {
    Percentile q;
    q.p = p;
    q.value_ns = value;
    q.samples = n;
    q.tail = n - rank_of(p, n) + 1;
    q.needed = min_samples_for(p);
    q.enough = n >= q.needed;
    return q;
}

}  // namespace

int64_t min_samples_for(double p) noexcept {
    if (p >= 100.0) return INT64_MAX;
    return static_cast<int64_t>(std::ceil(static_cast<double>(kTailSamplesNeeded) / (1.0 - p / 100.0) - 1e-6));
}

const Percentile* LatencySummary::at(double p) const noexcept {
    for (const auto& q : percentiles)
        if (std::abs(q.p - p) < 1e-9) return &q;
    return nullptr;
}

int64_t LatencySummary::value_ns(double p) const noexcept {
    const Percentile* q = at(p);
    return q ? q->value_ns : 0;
}

LatencySummary summarize(std::vector<int64_t>& v, std::span<const double> ps) {
    LatencySummary s;
    s.count = static_cast<int64_t>(v.size());
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.min_ns = v.front();
    s.max_ns = v.back();
    s.mean_ns = std::accumulate(v.begin(), v.end(), 0.0, [](double a, int64_t x) { return a + static_cast<double>(x); }) /
                static_cast<double>(v.size());
    for (double p : ps) s.percentiles.push_back(make_percentile(p, s.count, v[static_cast<size_t>(rank_of(p, s.count) - 1)]));
    return s;
}

LogHistogram::LogHistogram() : counts_(kBuckets, 0) {}

size_t LogHistogram::index(int64_t v) noexcept {
    if (v < kSub) return static_cast<size_t>(std::max<int64_t>(v, 0));
    v = std::min<int64_t>(v, (int64_t{1} << kMaxBits) - 1);
    const int e = static_cast<int>(std::bit_width(static_cast<uint64_t>(v))) - 1;  // >= kSubBits
    const int64_t sub = (v >> (e - kSubBits)) - kSub;             // 0..kSub-1
    return static_cast<size_t>(kSub + (e - kSubBits) * kSub + sub);
}

int64_t LogHistogram::lower(size_t i) noexcept {
    const auto k = static_cast<int64_t>(i);
    if (k < kSub) return k;
    const int64_t e = (k - kSub) / kSub + kSubBits;
    const int64_t sub = (k - kSub) % kSub;
    return (kSub + sub) << (e - kSubBits);
}

void LogHistogram::add(int64_t v) noexcept {
    ++counts_[index(v)];
    if (count_ == 0 || v < min_) min_ = v;
    if (count_ == 0 || v > max_) max_ = v;
    ++count_;
    sum_ += static_cast<double>(v);
}

void LogHistogram::merge(const LogHistogram& o) noexcept {
    if (o.count_ == 0) return;
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    min_ = count_ ? std::min(min_, o.min_) : o.min_;
    max_ = count_ ? std::max(max_, o.max_) : o.max_;
    count_ += o.count_;
    sum_ += o.sum_;
}

LatencySummary LogHistogram::summary(std::span<const double> ps) const {
    LatencySummary s;
    s.exact = false;
    s.count = count_;
    if (count_ == 0) return s;
    s.min_ns = min_;
    s.max_ns = max_;
    s.mean_ns = sum_ / static_cast<double>(count_);
    for (double p : ps) {
        const int64_t r = rank_of(p, count_);
        int64_t seen = 0;
        size_t i = 0;
        while (i + 1 < kBuckets && seen + counts_[i] < r) seen += counts_[i++];
        const int64_t mid = (lower(i) + lower(i + 1)) / 2;  // midpoint of the bucket
        s.percentiles.push_back(make_percentile(p, count_, std::clamp(mid, min_, max_)));
    }
    return s;
}

std::vector<HistogramBin> LogHistogram::bins(int per_decade) const {
    std::vector<HistogramBin> out;
    if (count_ == 0) return out;
    const double step = std::pow(10.0, 1.0 / std::max(1, per_decade));
    // Bin edges 10^(k/per_decade) ns; each fine bucket goes to the bin holding its midpoint.
    auto bin_of = [&](double v) { return static_cast<int>(std::floor(std::log10(std::max(v, 1.0)) * per_decade + 1e-9)); };
    int first = INT32_MAX, last = -1;
    std::vector<int64_t> c;
    for (size_t i = 0; i < kBuckets; ++i) {
        if (counts_[i] == 0) continue;
        const int b = bin_of(static_cast<double>(lower(i) + lower(i + 1)) / 2);
        if (static_cast<size_t>(b) >= c.size()) c.resize(static_cast<size_t>(b) + 1, 0);
        c[static_cast<size_t>(b)] += counts_[i];
        first = std::min(first, b);
        last = std::max(last, b);
    }
    for (int b = first; b <= last; ++b)
        out.push_back({std::llround(std::pow(step, b)), std::llround(std::pow(step, b + 1)), c[static_cast<size_t>(b)]});
    return out;
}

}  // namespace batchscope::engine::infer
