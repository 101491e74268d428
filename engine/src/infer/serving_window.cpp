#include "batchscope/engine/infer/serving_window.h"

#include <algorithm>

#include "batchscope/engine/infer/latency_stats.h"

namespace batchscope::engine::infer {
namespace {

struct Busy {
    std::vector<int64_t> start, end;  // the batches' intervals, sorted, not overlapping (one server)
    std::vector<double> before;       // busy time before interval k
    // Busy time in [a, b]. Before the first batch of the window the server is taken as busy: the
    // requests are served in order, so one still queued then waited behind batches before the window.
    double within(int64_t a, int64_t b) const {
        if (b <= a) return 0;
        const double before_first = static_cast<double>(std::max<int64_t>(0, std::min(b, start.front()) - a));
        return before_first + upto(b) - upto(std::max(a, start.front()));
    }
    double upto(int64_t t) const {
        const auto k = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), t) - start.begin());
        if (k == 0) return 0;
        return before[k - 1] + static_cast<double>(std::min(t, end[k - 1]) - start[k - 1]);
    }
};

void add(LatencyParts& sum, const LatencyParts& p) {
    sum.late += p.late;
    sum.busy_wait += p.busy_wait;
    sum.idle_wait += p.idle_wait;
    sum.compute += p.compute;
    sum.copies += p.copies;
}

LatencyParts divided(LatencyParts s, double n) {
    if (n <= 0) return {};
    s.late /= n;
    s.busy_wait /= n;
    s.idle_wait /= n;
    s.compute /= n;
    s.copies /= n;
    return s;
}

}  // namespace

ServingWindow summarize_serving(std::span<const RequestRecord> in) {
    ServingWindow w;
    if (in.empty()) return w;
    std::vector<RequestRecord> recs(in.begin(), in.end());
    std::sort(recs.begin(), recs.end(), [](const RequestRecord& a, const RequestRecord& b) {
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.id < b.id;
    });
    // Batches: consecutive requests with the same start and response.
    Busy busy;
    int64_t service_sum = 0, wake_sum = 0, wakes = 0, turn_sum = 0, turns = 0;
    for (size_t i = 0; i < recs.size();) {
        size_t j = i;
        int64_t first_issued = INT64_MAX;
        while (j < recs.size() && recs[j].start_ns == recs[i].start_ns && recs[j].done_ns == recs[i].done_ns)
            first_issued = std::min(first_issued, std::max(recs[j].issued_ns, recs[j].scheduled_ns)), ++j;
        const int64_t s = recs[i].start_ns, e = std::max(recs[i].done_ns, s);
        // Begun with the server idle (after the previous batch's end and its first request's issue):
        // from the later of those to its start.
        if (!busy.end.empty() && s >= busy.end.back() && first_issued < busy.end.back()) {
            turn_sum += s - busy.end.back();  // waiting when the previous batch ended: a turnaround
            ++turns;
        } else if (!busy.end.empty() && s > busy.end.back() && s >= first_issued) {
            const int64_t ready = std::max(busy.end.back(), first_issued);
            w.idle_starts.push_back({ready, s - ready});
            wake_sum += s - ready;
            ++wakes;
        }
        // The batch's own size: a batch at the window's edge may have only some of its requests here.
        w.batch_points.push_back({std::max(static_cast<int>(j - i), recs[i].batch_size), e - s, s});
        busy.before.push_back(busy.before.empty() ? 0.0 : busy.before.back() + static_cast<double>(busy.end.back() - busy.start.back()));
        busy.start.push_back(s);
        busy.end.push_back(std::max(e, busy.end.empty() ? e : busy.end.back()));
        service_sum += e - s;
        i = j;
    }
    w.requests = static_cast<int64_t>(recs.size());
    w.batches = static_cast<int64_t>(w.batch_points.size());
    if (wakes > 0) w.idle_start_ns = static_cast<double>(wake_sum) / static_cast<double>(wakes);
    if (turns > 0) w.busy_start_ns = static_cast<double>(turn_sum) / static_cast<double>(turns);
    int64_t rows = 0;
    for (const BatchPoint& b : w.batch_points) rows += b.size;
    w.mean_batch = static_cast<double>(rows) / static_cast<double>(w.batches);
    w.mean_service_ns = static_cast<double>(service_sum) / static_cast<double>(w.batches);

    std::vector<LatencyParts> parts(recs.size());
    std::vector<int64_t> lat(recs.size());
    int64_t first_sched = INT64_MAX, last_sched = INT64_MIN, last_done = INT64_MIN;
    w.first_id = recs.front().id;
    w.last_id = recs.front().id;
    for (size_t i = 0; i < recs.size(); ++i) {
        const RequestRecord& r = recs[i];
        LatencyParts& p = parts[i];
        const int64_t issued = std::max(r.issued_ns, r.scheduled_ns), start = std::max(r.start_ns, issued);
        p.late = static_cast<double>(issued - r.scheduled_ns);
        p.busy_wait = std::min(busy.within(issued, start), static_cast<double>(start - issued));
        p.idle_wait = static_cast<double>(start - issued) - p.busy_wait;
        const double service = static_cast<double>(std::max<int64_t>(0, r.done_ns - start));
        p.copies = std::min(service, static_cast<double>(r.h2d_ns + r.d2h_ns));
        p.compute = service - p.copies;
        lat[i] = r.latency_ns();
        first_sched = std::min(first_sched, r.scheduled_ns);
        last_sched = std::max(last_sched, r.scheduled_ns);
        last_done = std::max(last_done, r.done_ns);
        w.first_id = std::min(w.first_id, r.id);
        w.last_id = std::max(w.last_id, r.id);
    }
    w.seconds = static_cast<double>(last_done - first_sched) / 1e9;
    if (w.seconds > 0) w.throughput_rps = static_cast<double>(w.requests) / w.seconds;
    if (last_sched > first_sched) w.offered_rps = static_cast<double>(w.requests - 1) / (static_cast<double>(last_sched - first_sched) / 1e9);
    w.first_start_ns = busy.start.front();
    const double span = static_cast<double>(last_done - busy.start.front());
    w.utilisation = span > 0 ? std::min(1.0, static_cast<double>(service_sum) / span) : 1.0;

    std::vector<int64_t> sorted = lat;
    const double ps[] = {50.0, 99.0};
    const LatencySummary s = summarize(sorted, ps);
    w.p50_us = static_cast<double>(s.value_ns(50)) / 1e3;
    w.p99_us = static_cast<double>(s.value_ns(99)) / 1e3;
    w.mean_us = s.mean_ns / 1e3;
    w.p99_trusted = s.at(99) && s.at(99)->enough;
    LatencyParts all, tail;
    double tail_n = 0;
    const int64_t p99 = s.value_ns(99);
    for (size_t i = 0; i < recs.size(); ++i) {
        add(all, parts[i]);
        if (lat[i] >= p99) {
            add(tail, parts[i]);
            tail_n += 1;
        }
    }
    w.mean = divided(all, static_cast<double>(recs.size()));
    w.tail = divided(tail, tail_n);
    return w;
}

}  // namespace batchscope::engine::infer
