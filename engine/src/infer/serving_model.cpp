#include "batchscope/engine/infer/serving_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "batchscope/engine/infer/service.h"
#include "batchscope/profiler/clock.h"

namespace batchscope::engine::infer {

namespace {

void set_stalls(ServiceFit& f, std::span<const BatchPoint> batches) {
    f.stalls.clear();
    for (const BatchPoint& b : batches) {
        const double line = f.at(b.size);
        if (line <= 0) continue;
        // At most 3 times the line: a longer batch is a stall of the machine (a thread off its core)
        // that one window happened to catch, not a property of the setting.
        const double extra = std::clamp(static_cast<double>(b.service_ns) - line, -line, 2 * line);
        f.stalls.push_back({b.start_ns + b.service_ns / 2, std::llround(extra)});
    }
    std::stable_sort(f.stalls.begin(), f.stalls.end(), [](const auto& x, const auto& y) { return x.at_ns < y.at_ns; });
}

}  // namespace

int64_t ServiceFit::wake_at(int64_t ready_ns) const noexcept {
    if (wakes.empty()) return wake_ns;
    const auto after = std::lower_bound(wakes.begin(), wakes.end(), ready_ns, [](const Stall& w, int64_t t) { return w.at_ns < t; });
    int64_t best = -1, gap = kWakeHorizonNs + 1;
    if (after != wakes.end()) best = after->extra_ns, gap = after->at_ns - ready_ns;
    if (after != wakes.begin() && ready_ns - std::prev(after)->at_ns < gap) best = std::prev(after)->extra_ns, gap = ready_ns - std::prev(after)->at_ns;
    return gap <= kWakeHorizonNs ? best : wake_ns;
}

ServiceFit fit_service(std::span<const BatchPoint> batches) {
    ServiceFit f;
    if (batches.empty()) return f;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    int lo = batches.front().size, hi = lo;
    for (const BatchPoint& b : batches) {
        const double x = b.size, y = static_cast<double>(b.service_ns);
        n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
        lo = std::min(lo, b.size);
        hi = std::max(hi, b.size);
    }
    const double mx = sx / n, my = sy / n, var = sxx / n - mx * mx;
    char text[160];
    f.valid = true;
    if (lo == hi || var <= 1e-9) {
        f.fixed_ns = 0;
        f.per_row_ns = my / std::max(1.0, mx);
        std::snprintf(text, sizeof text, "%.0f batches, all of %d: no batching gain assumed (%.1f us per request)", n, lo,
                      f.per_row_ns / 1e3);
        f.source = text;
        set_stalls(f, batches);
        return f;
    }
    f.per_row_ns = std::max(0.0, (sxy / n - mx * my) / var);
    f.fixed_ns = my - f.per_row_ns * mx;
    if (f.fixed_ns < 0) {  // a negative fixed part: a line through the origin instead
        f.fixed_ns = 0;
        f.per_row_ns = sxy / sxx;
    }
    std::snprintf(text, sizeof text, "fitted over %.0f batches of %d to %d requests: %.1f us + %.1f us per request", n, lo, hi,
                  f.fixed_ns / 1e3, f.per_row_ns / 1e3);
    f.source = text;
    set_stalls(f, batches);
    return f;
}

std::vector<BatchPoint> profile_service(BatchService& service, int max_size, int reps, int64_t budget_ns) {
    max_size = std::max(1, max_size);
    const int64_t t_start = profiler::now_ns();
    service.warm_up(max_size);
    std::vector<BatchPoint> out;
    std::vector<int64_t> samples;
    std::vector<int8_t> correct;
    const int64_t count = std::max<int64_t>(1, service.sample_count());
    for (int size = 1;; size = std::min(max_size, size * 2)) {
        samples.resize(static_cast<size_t>(size));
        correct.assign(samples.size(), -1);
        for (int i = 0; i < size; ++i) samples[static_cast<size_t>(i)] = i % count;
        service.serve(samples, correct);  // not counted: the first batch of a size
        for (int r = 0; r < reps; ++r) {
            const int64_t t0 = profiler::now_ns();
            service.serve(samples, correct);
            out.push_back({size, profiler::now_ns() - t0});
        }
        if (size == max_size || profiler::now_ns() - t_start > budget_ns) break;
    }
    return out;
}

ServiceFit window_service(const ServingWindow& w, std::span<const BatchPoint> profile) {
    ServiceFit own = fit_service(w.batch_points);
    bool sizes = false;
    for (const BatchPoint& b : w.batch_points) sizes |= b.size != w.batch_points.front().size;
    if (sizes || profile.empty() || !own.valid) return own;
    ServiceFit p = fit_service(profile);
    const double at = p.at(w.mean_batch);
    if (!p.valid || at <= 0) return own;
    const double k = w.mean_service_ns / at;  // the profile measured quietly; the window is what this run sees
    p.fixed_ns *= k;
    p.per_row_ns *= k;
    char text[200];
    std::snprintf(text, sizeof text, "one batch size in the window, so sizes 1 to %d were timed before the run (scaled by %.2f "
                  "to this window): %.1f us + %.1f us per request", profile.back().size, k, p.fixed_ns / 1e3, p.per_row_ns / 1e3);
    p.source = text;
    set_stalls(p, w.batch_points);
    return p;
}

std::vector<Arrival> arrivals_of(std::span<const RequestRecord> recs) {
    std::vector<Arrival> a;
    a.reserve(recs.size());
    for (const RequestRecord& r : recs) a.push_back({r.scheduled_ns, std::max(r.issued_ns, r.scheduled_ns)});
    std::sort(a.begin(), a.end(), [](const Arrival& x, const Arrival& y) { return x.issued_ns < y.issued_ns; });
    return a;
}

SimResult simulate(std::span<const Arrival> in, const ServingPolicy& p, const ServiceFit& service, int64_t think_ns,
                   int64_t busy_until_ns) {
    SimResult res;
    if (in.empty() || !service.valid) return res;
    const size_t total = in.size();
    const bool closed = p.mode == LoadMode::Closed;
    std::vector<Arrival> a;
    a.reserve(total);
    const int64_t t0 = in.front().scheduled_ns;
    // A closed loop's client as measured (kMeasuredThink): the requests one response let in (those
    // scheduled at one time) were issued at their offsets from it, in order; the simulation's
    // responses take those groups in turn. A request issued after the server woke misses the
    // batch its fellows make; the server's turnaround lets the next batch gather them again.
    std::vector<std::vector<int64_t>> groups;
    if (closed && think_ns == kMeasuredThink) {
        std::vector<Arrival> by(in.begin(), in.end());
        std::sort(by.begin(), by.end(), [](const Arrival& x, const Arrival& y) {
            return x.scheduled_ns != y.scheduled_ns ? x.scheduled_ns < y.scheduled_ns : x.issued_ns < y.issued_ns;
        });
        for (size_t k = 0; k < by.size(); ++k) {
            if (k == 0 || by[k].scheduled_ns != by[k - 1].scheduled_ns) groups.emplace_back();
            groups.back().push_back(std::max<int64_t>(0, by[k].issued_ns - by[k].scheduled_ns));
        }
    }
    size_t next_group = 0;
    auto let_in = [&](size_t n) {  // the offsets of the next `n` requests let in at once
        std::vector<int64_t> off(n, std::max<int64_t>(0, think_ns));
        if (groups.empty()) return off;
        const std::vector<int64_t>& g = groups[next_group++ % groups.size()];
        for (size_t m = 0; m < n; ++m) off[m] = g[std::min(m, g.size() - 1)];
        return off;
    };
    if (closed) {
        const size_t c = std::min(total, static_cast<size_t>(std::max(1, p.concurrency)));
        const std::vector<int64_t> off = let_in(c);
        for (size_t i = 0; i < c; ++i) a.push_back({t0, t0 + off[i]});
    } else {
        const double k = p.rate_scale > 0 ? 1.0 / p.rate_scale : 1.0;
        for (const Arrival& x : in) {
            const int64_t s = t0 + std::llround(static_cast<double>(x.scheduled_ns - t0) * k);
            a.push_back({s, s + (x.issued_ns - x.scheduled_ns)});
        }
        std::sort(a.begin(), a.end(), [](const Arrival& x, const Arrival& y) { return x.issued_ns < y.issued_ns; });
    }
    const size_t mb = static_cast<size_t>(std::max(1, p.max_batch));
    // The window's stalls on the simulation's clock: open loop, their times scaled as the arrivals'.
    std::vector<ServiceFit::Stall> stalls = service.stalls;
    if (!closed && p.rate_scale > 0 && p.rate_scale != 1)
        for (ServiceFit::Stall& s : stalls) s.at_ns = t0 + std::llround(static_cast<double>(s.at_ns - t0) / p.rate_scale);
    size_t next_stall = 0;
    auto to_window = [&](int64_t t) {  // a time of the simulation on the window's clock (as the stalls')
        return closed || p.rate_scale <= 0 || p.rate_scale == 1 ? t : t0 + std::llround(static_cast<double>(t - t0) * p.rate_scale);
    };
    std::vector<int64_t> lat;
    lat.reserve(total);
    int64_t free_at = busy_until_ns, last_done = t0;
    size_t i = 0;
    while (i < a.size()) {
        const int64_t full_at = i + mb - 1 < a.size() ? a[i + mb - 1].issued_ns : std::numeric_limits<int64_t>::max();
        const int64_t ready = std::min(full_at, a[i].issued_ns + p.queue_delay_ns);
        // An idle server wakes first (its wake-up then, on the window's clock).
        const int64_t release = ready > free_at ? ready + service.wake_at(to_window(ready)) : free_at + service.turnaround_ns;
        size_t j = i;
        while (j < a.size() && j - i < mb && a[j].issued_ns <= release) ++j;
        // Stalls before this batch fell while the simulated server idled: they delay nothing.
        while (next_stall < stalls.size() && stalls[next_stall].at_ns < release) ++next_stall;
        int64_t done = release + std::llround(std::max(0.0, service.at(static_cast<double>(j - i))));
        for (; next_stall < stalls.size() && stalls[next_stall].at_ns < done; ++next_stall)
            done = std::max(release, done + stalls[next_stall].extra_ns);
        for (size_t k = i; k < j; ++k) lat.push_back(done - a[k].scheduled_ns);
        ++res.batches;
        free_at = last_done = done;
        if (closed) {
            const std::vector<int64_t> off = let_in(j - i);
            for (size_t m = 0; m < j - i && a.size() < total; ++m) a.push_back({done, done + off[m]});
            // In order of issue: a request of this response may be issued before an earlier one's.
            std::sort(a.begin() + static_cast<std::ptrdiff_t>(j), a.end(), [](const Arrival& x, const Arrival& y) { return x.issued_ns < y.issued_ns; });
        }
        i = j;
    }
    res.requests = static_cast<int64_t>(lat.size());
    res.mean_batch = static_cast<double>(res.requests) / static_cast<double>(res.batches);
    double sum = 0;
    for (int64_t v : lat) sum += static_cast<double>(v);
    res.mean_us = sum / static_cast<double>(lat.size()) / 1e3;
    std::sort(lat.begin(), lat.end());
    auto rank = [&](double q) {
        const size_t r = static_cast<size_t>(std::ceil(q * static_cast<double>(lat.size())));
        return static_cast<double>(lat[std::clamp<size_t>(r, 1, lat.size()) - 1]) / 1e3;
    };
    res.p50_us = rank(0.50);
    res.p99_us = rank(0.99);
    const int64_t first = closed ? t0 : a.front().scheduled_ns;
    if (last_done > first) res.throughput_rps = static_cast<double>(res.requests) / (static_cast<double>(last_done - first) / 1e9);
    return res;
}

}  // namespace batchscope::engine::infer
