#include "batchscope/engine/infer/serving_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace batchscope::engine::infer {
namespace {

using knobs::Knob;

std::string fmt(const char* f, double a) {
    char b[64];
    std::snprintf(b, sizeof b, f, a);
    return b;
}

// "1,234" for a count, "12.3" under 100.
std::string num(double v) {
    if (std::fabs(v) < 100) return fmt("%.1f", v);
    std::string s = fmt("%.0f", v), out;
    const size_t lead = s[0] == '-' ? 1 : 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i > lead && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out;
}

std::string pct(double share) { return fmt("%.0f%%", 100 * share); }

// The part that names a bottleneck, as a share of the mean and of the p99 tail.
double part(const LatencyParts& p, ServingBottleneck b) {
    switch (b) {
    case ServingBottleneck::GeneratorLate: return p.late;
    case ServingBottleneck::QueueBusy: return p.busy_wait;
    case ServingBottleneck::BatchWait: return p.idle_wait;
    case ServingBottleneck::Compute: return p.compute;
    case ServingBottleneck::Copies: return p.copies;
    case ServingBottleneck::Unknown: break;
    }
    return 0;
}

ServingBottleneck classify(const LatencyParts& m) {
    const double total = m.total();
    if (total <= 0) return ServingBottleneck::Unknown;
    if (share(m.late, total) >= 0.25) return ServingBottleneck::GeneratorLate;
    ServingBottleneck best = ServingBottleneck::QueueBusy;
    for (ServingBottleneck b : {ServingBottleneck::BatchWait, ServingBottleneck::Compute, ServingBottleneck::Copies})
        if (part(m, b) > part(m, best)) best = b;
    return best;
}

std::string headline(ServingBottleneck b, const ServingWindow& w, const ServingSetting& s) {
    std::string h = bottleneck_name(b);
    h += ": " + pct(share(part(w.mean, b), w.mean.total())) + " of the mean latency (" + num(w.mean_us) + " us; p99 " +
         num(w.p99_us) + " us, of which " + pct(share(part(w.tail, b), w.tail.total())) + ")";
    switch (b) {
    case ServingBottleneck::GeneratorLate:
        h += "; requests were issued " + num(w.mean.late / 1e3) + " us behind schedule on average: the client, not the server";
        break;
    case ServingBottleneck::QueueBusy:
        h += "; requests queue while the server is busy " + pct(w.utilisation) + " of the time";
        break;
    case ServingBottleneck::BatchWait:
        if (s.queue_delay_us > 0)
            h += "; the batcher holds requests up to " + num(static_cast<double>(s.queue_delay_us)) + " us for a fuller batch while the server idles (busy " +
                 pct(w.utilisation) + ")";
        else
            h += "; requests wait for the idle server to wake (no queue delay is set; busy " + pct(w.utilisation) + ")";
        break;
    case ServingBottleneck::Compute:
        h += "; batches of " + num(w.mean_batch) + " take " + num(w.mean_service_ns / 1e3) + " us each, the server busy " + pct(w.utilisation);
        break;
    case ServingBottleneck::Copies:
        h += "; copying requests in and answers out (h2d + d2h) takes " + num(w.mean.copies / 1e3) + " us per request";
        break;
    case ServingBottleneck::Unknown: break;
    }
    return h;
}

// The new setting's model, moved by what the model of the setting now missed of the measured
// figures (latency: the difference, at most a quarter of the new model's value either way, as the
// server's wake-ups; throughput: the ratio).
ServingExpectation corrected(const SimResult& sim, const SimResult& base, const ServingWindow& w) {
    ServingExpectation e;
    auto lat = [](double x, double b, double m) { return x + std::clamp(m - b, -0.25 * x, 0.25 * x); };
    e.p50_us = lat(sim.p50_us, base.p50_us, w.p50_us);
    e.p99_us = std::max(e.p50_us, lat(sim.p99_us, base.p99_us, w.p99_us));
    e.throughput_rps = base.throughput_rps > 0 ? sim.throughput_rps * (w.throughput_rps / base.throughput_rps) : sim.throughput_rps;
    e.mean_batch = sim.mean_batch;
    return e;
}

// Gains are read model against model (the change's replay against the replay of the setting now),
// so that what the model misses of this window is not taken for a gain.
double score(const SimResult& sim, const SimResult& base) {
    if (sim.p99_us <= 0 || base.throughput_rps <= 0) return 0;
    return (base.p99_us / sim.p99_us) * (sim.throughput_rps / base.throughput_rps);
}

// `min_p99_gain`: the cut that counts (the options' own, or their note_p99_gain for a smaller gain).
bool material(const SimResult& sim, const SimResult& base, const ServingJudgeOptions& o, bool rate, double min_p99_gain) {
    if (sim.p99_us <= 0 || base.p99_us <= 0 || base.throughput_rps <= 0) return false;
    const double p99_gain = 1 - sim.p99_us / base.p99_us, tp_gain = sim.throughput_rps / base.throughput_rps - 1;
    if (rate) return p99_gain >= 1.0 / 3.0;  // a lower rate gives up throughput: only for a large cut
    return (p99_gain >= min_p99_gain && tp_gain >= -0.05) || (tp_gain >= o.min_throughput_gain && p99_gain >= -0.10);
}

std::string why(Knob k, double from, double to, const ServingVerdict& v, const ServingSetting& s) {
    const ServingWindow& w = v.window;
    std::string r;
    switch (k) {
    case Knob::MaxBatch:
        r = to > from ? "larger batches share each batch's fixed " + num(v.service.fixed_ns / 1e3) + " us"
                      : "smaller batches finish sooner (" + num(v.service.per_row_ns / 1e3) + " us per request)";
        break;
    case Knob::QueueDelayUs:
        r = to < from ? "the batcher holds requests up to " + num(from) + " us while the server is busy only " + pct(w.utilisation) + " of the time"
                      : "the batcher would hold requests up to " + num(to) + " us for fuller batches (server busy " + pct(w.utilisation) + ")";
        break;
    case Knob::Concurrency:
        r = to < from ? "fewer requests outstanding queue less behind one another (server busy " + pct(w.utilisation) + ")"
                      : "the server idles " + pct(1 - w.utilisation) + " of the time between responses";
        break;
    case Knob::Rate: {
        const double capacity = std::max(1, s.max_batch) / std::max(1e-9, v.service.at(s.max_batch)) * 1e9;
        r = "the server answers at most about " + num(capacity) + " requests/s at max batch " + std::to_string(s.max_batch) + "; " +
            (to < from && from >= capacity ? num(from) + " requests/s overload it"
                                           : num(to) + " requests/s " + (to < capacity ? "stay under it" : "exceed it"));
        break;
    }
    default: break;
    }
    r += "; service " + v.service.source + "; the window's " + (w.requests < 100 ? std::to_string(w.requests) : num(static_cast<double>(w.requests))) +
         " arrivals replayed through the batcher: p99 " + num(v.model_now.p99_us) + " us now (measured " + num(w.p99_us) + ")";
    return r;
}

// The knob's value in a setting (0: not a serving knob).
double value_of(const ServingSetting& s, Knob k) {
    switch (k) {
    case Knob::MaxBatch: return s.max_batch;
    case Knob::QueueDelayUs: return static_cast<double>(s.queue_delay_us);
    case Knob::Concurrency: return s.concurrency;
    case Knob::Rate: return s.rate;
    default: return 0;
    }
}

// The policy `p` with one knob changed to `to` (a rate as the arrivals' speed-up).
ServingPolicy changed(ServingPolicy p, Knob k, double to, const ServingSetting& s) {
    switch (k) {
    case Knob::MaxBatch: p.max_batch = static_cast<int>(to); break;
    case Knob::QueueDelayUs: p.queue_delay_ns = static_cast<int64_t>(to) * 1000; break;
    case Knob::Concurrency: p.concurrency = static_cast<int>(to); break;
    case Knob::Rate: p.rate_scale = to / s.rate; break;
    default: break;
    }
    return p;
}

// What every replay of a window shares: its arrivals, a closed loop's think time, the policy now
// and its replay from a steady state (what a change is read against).
struct Replay {
    std::vector<Arrival> arrivals;
    int64_t think = 0;
    ServingPolicy now;
    SimResult steady_now;
};

// Fits the window's service (v.service) and replays the setting now (v.model_now); `v.window`
// is summarized. The model is usable when modelled(v).
Replay replay_window(std::span<const RequestRecord> recs, const ServingSetting& s, const ServingJudgeOptions& o, ServingVerdict& v) {
    const ServingWindow& w = v.window;
    v.service = window_service(w, o.profile);
    if (s.queue_delay_us == 0 && w.idle_start_ns > 0) {  // with no queue delay, an idle server's late start is its wake-up
        v.service.wake_ns = std::llround(w.idle_start_ns);
        for (const ServingWindow::IdleStart& i : w.idle_starts) v.service.wakes.push_back({i.ready_ns, i.late_ns});
        v.service.source += "; an idle server starts " + num(w.idle_start_ns / 1e3) + " us after a request is ready";
    }
    // A busy server's turnaround between batches, where no queue delay holds a batch back.
    if (s.queue_delay_us == 0) v.service.turnaround_ns = std::llround(w.busy_start_ns);
    Replay r;
    r.arrivals = arrivals_of(recs);
    // A closed loop's client as measured, response by response (its mean lateness for every request
    // kept every batch whole: closed ×4 at max batch 4 measured p99 2.1 ms, that replayed 1.1 ms).
    r.think = s.mode == LoadMode::Closed ? kMeasuredThink : 0;
    r.now = {s.mode, s.concurrency, s.max_batch, s.queue_delay_us * 1000, 1};
    // The setting now, replayed with the server busy until the window's first batch (a backlog the
    // window inherited): what was measured. Changes are predicted for a steady state (no inherited
    // backlog) and compared with the setting now replayed the same way.
    v.model_now = simulate(r.arrivals, r.now, v.service, r.think, w.first_start_ns);
    r.steady_now = simulate(r.arrivals, r.now, v.service, r.think);
    return r;
}

bool modelled(const ServingVerdict& v) { return v.model_now.requests > 0 && v.window.throughput_rps > 0 && v.window.p99_us > 0; }

}  // namespace

const char* bottleneck_name(ServingBottleneck b) noexcept {
    switch (b) {
    case ServingBottleneck::GeneratorLate: return "generator behind";
    case ServingBottleneck::QueueBusy: return "queue behind a busy server";
    case ServingBottleneck::BatchWait: return "waiting for a fuller batch";
    case ServingBottleneck::Compute: return "compute";
    case ServingBottleneck::Copies: return "copies";
    case ServingBottleneck::Unknown: break;
    }
    return "unknown";
}

void ServingSetting::apply(Knob k, double value) {
    switch (k) {
    case Knob::Rate: rate = value; break;
    case Knob::Concurrency: concurrency = static_cast<int>(value); break;
    case Knob::MaxBatch: max_batch = static_cast<int>(value); break;
    case Knob::QueueDelayUs: queue_delay_us = static_cast<int64_t>(value); break;
    default: break;
    }
}

std::string describe(const ServingExpectation& e) {
    return "p50 " + num(e.p50_us) + " us, p99 " + num(e.p99_us) + " us, " + num(e.throughput_rps) + " requests/s, mean batch " +
           fmt("%.1f", e.mean_batch);
}

std::string ServingAdvice::change() const {
    auto value = [](double x) { return x == std::floor(x) && std::fabs(x) < 100 ? fmt("%.0f", x) : num(x); };
    return std::string(knobs::info(knob).label) + " " + value(from) + " → " + value(to);
}

std::string ServingAdvice::text() const {
    return change() + " — expected: " + describe(expected) + "; because " + reason;
}

ServingVerdict judge_serving(std::span<const RequestRecord> recs, const ServingSetting& s, const ServingJudgeOptions& o) {
    ServingVerdict v;
    v.window = summarize_serving(recs);
    const ServingWindow& w = v.window;
    if (w.requests < 20) {
        v.note = "too few requests to judge (" + std::to_string(w.requests) + "; 20 needed)";
        return v;
    }
    v.bottleneck = classify(w.mean);
    v.headline = headline(v.bottleneck, w, s);
    const Replay replay = replay_window(recs, s, o, v);
    const std::vector<Arrival>& arrivals = replay.arrivals;
    const bool closed = s.mode == LoadMode::Closed;
    const int64_t think = replay.think;
    const ServingPolicy& now = replay.now;
    const SimResult& steady_now = replay.steady_now;
    if (!modelled(v)) {
        v.note = "no model of this window";
        return v;
    }
    if (w.requests < kMinAdviceRequests) {
        v.note = "no advice from " + std::to_string(w.requests) + " requests (" + std::to_string(kMinAdviceRequests) +
                 " needed): their p99 is a few of the slowest";
        return v;
    }
    if (v.bottleneck == ServingBottleneck::GeneratorLate) {  // no server knob brings the client back on schedule
        v.note = "no knob: the load generator cannot keep its schedule (a busy client machine); the latency measured includes its delay";
        return v;
    }

    // Single changes of each knob, smallest first; per knob the best, a larger change kept only
    // when it is predicted 5% better than a smaller one.
    struct Candidate {
        Knob knob;
        std::vector<double> values;
    };
    std::vector<Candidate> cands;
    const int mb = s.max_batch, kMaxBatch = knobs::max_int(Knob::MaxBatch);
    Candidate batch{Knob::MaxBatch, {}};
    for (int m : {mb * 2, mb * 4, mb * 8, mb * 16})
        if (m <= kMaxBatch) batch.values.push_back(m);
    for (int m : {mb / 2, mb / 4})
        if (m >= 1 && m < mb) batch.values.push_back(m);
    cands.push_back(batch);
    if (s.queue_delay_us > 0) cands.push_back({Knob::QueueDelayUs, {static_cast<double>(s.queue_delay_us / 2), static_cast<double>(s.queue_delay_us / 4), 0.0}});
    if (closed) {
        Candidate c{Knob::Concurrency, {}};
        for (int n : {s.concurrency * 2, s.concurrency * 4})
            if (n <= knobs::max_int(Knob::Concurrency)) c.values.push_back(n);
        for (int n : {s.concurrency / 2, s.concurrency / 4})
            if (n >= 1 && n < s.concurrency) c.values.push_back(n);
        cands.push_back(c);
    }
    std::vector<std::pair<double, ServingAdvice>> scored;
    std::string smaller;  // per knob the best change predicted to help, but less than an advice must
    for (const Candidate& c : cands) {
        ServingAdvice best;
        double best_score = 0, small_score = 0, small_to = 0;
        SimResult small;
        for (double to : c.values) {
            const SimResult sim = simulate(arrivals, changed(now, c.knob, to, s), v.service, think);
            const double sc = score(sim, steady_now);
            if (!material(sim, steady_now, o, false, o.min_p99_gain)) {
                if (material(sim, steady_now, o, false, o.note_p99_gain) && sc > small_score) small_score = sc, small_to = to, small = sim;
                continue;
            }
            if (sc <= best_score * 1.05) continue;
            best_score = sc;
            best = {c.knob, value_of(s, c.knob), to, corrected(sim, v.model_now, w), {}};
        }
        if (best_score > 0) {
            best.reason = why(best.knob, best.from, best.to, v, s);
            scored.push_back({best_score, best});
        } else if (small_score > 0) {
            const ServingAdvice a{c.knob, value_of(s, c.knob), small_to, corrected(small, v.model_now, w), {}};
            smaller += (smaller.empty() ? "" : "; ") + a.change() + " (p99 " + num(steady_now.p99_us) + " → " + num(small.p99_us) +
                       " us in the replay, " + pct(1 - small.p99_us / steady_now.p99_us) + " less)";
        }
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [sc, a] : scored) v.advice.push_back(a);

    // Open loop and overloaded, and no server knob helps: a lower rate, the last resort.
    if (v.advice.empty() && is_open_loop(s.mode) && s.rate > 0) {
        double capacity = 0;
        for (int b = 1; b <= std::max(1, mb); b *= 2) capacity = std::max(capacity, b / std::max(1.0, v.service.at(b)) * 1e9);
        capacity = std::max(capacity, mb / std::max(1.0, v.service.at(mb)) * 1e9);
        const double to = std::floor(0.8 * capacity * (s.rate / std::max(1.0, w.offered_rps)));
        if (to >= knobs::info(Knob::Rate).min && to < s.rate) {
            const SimResult sim = simulate(arrivals, changed(now, Knob::Rate, to, s), v.service, think);
            if (material(sim, steady_now, o, true, o.min_p99_gain))
                v.advice.push_back({Knob::Rate, s.rate, to, corrected(sim, v.model_now, w), why(Knob::Rate, s.rate, to, v, s)});
        }
    }
    if (v.advice.empty()) {
        switch (v.bottleneck) {
        case ServingBottleneck::Compute:
            v.note = "no knob is predicted to help: the model's own work is the latency (a smaller model or a faster device would)";
            break;
        case ServingBottleneck::Copies:
            v.note = "no knob is predicted to help: the copies are the latency (smaller inputs or page-locked buffers would)";
            break;
        default:
            v.note = "no single change of max batch, queue delay, concurrency or rate is predicted to cut p99 by " +
                     pct(o.min_p99_gain) + " or raise throughput by " + pct(o.min_throughput_gain);
            break;
        }
    }
    // Server-knob changes that help less than an advice must, also beside a lower rate (a last resort).
    if (scored.empty() && !smaller.empty()) v.note += (v.note.empty() ? "" : "; ") + std::string("smaller gains predicted, not advised: ") + smaller;
    return v;
}

ServingAdvice predict_serving_change(std::span<const RequestRecord> recs, const ServingSetting& s, Knob knob, double to,
                                     const ServingJudgeOptions& o) {
    ServingAdvice a;
    a.knob = knob;
    a.from = value_of(s, knob);
    a.to = to;
    switch (knob) {
    case Knob::MaxBatch: case Knob::QueueDelayUs: break;
    case Knob::Concurrency:
        if (s.mode != LoadMode::Closed) {
            a.reason = "concurrency acts only in a closed loop";
            return a;
        }
        break;
    case Knob::Rate:
        if (!is_open_loop(s.mode) || s.rate <= 0) {
            a.reason = "the rate acts only in an open loop with a rate set";
            return a;
        }
        break;
    default:
        a.reason = std::string(knobs::info(knob).label) + " is not a serving knob";
        return a;
    }
    if (to < knobs::info(knob).min || to > knobs::info(knob).max) {
        a.reason = knobs::range_error(knob, std::llround(to));
        return a;
    }
    if (to == a.from) {
        a.reason = "no change";
        return a;
    }
    ServingVerdict v;
    v.window = summarize_serving(recs);
    if (v.window.requests < kMinAdviceRequests) {
        a.reason = "no prediction from " + std::to_string(v.window.requests) + " requests (" + std::to_string(kMinAdviceRequests) + " needed)";
        return a;
    }
    const Replay replay = replay_window(recs, s, o, v);
    if (!modelled(v)) {
        a.reason = "no model of this window";
        return a;
    }
    const SimResult sim = simulate(replay.arrivals, changed(replay.now, knob, to, s), v.service, replay.think);
    if (sim.requests == 0) {
        a.reason = "no model of the changed setting";
        return a;
    }
    a.expected = corrected(sim, v.model_now, v.window);
    a.reason = why(knob, a.from, to, v, s);
    return a;
}

std::optional<ExpectedChange> expect_change(std::span<const RequestRecord> recs, const ServingSetting& s,
                                            std::span<const ServingAdvice> advice, Knob knob, double to, const ServingJudgeOptions& o) {
    ExpectedChange e;
    for (const ServingAdvice& a : advice)
        if (a.knob == knob && std::llround(a.to) == std::llround(to)) {
            e.change = a;
            e.advised = true;
            return e;
        }
    e.change = predict_serving_change(recs, s, knob, to, o);
    if (!e.change.expected.valid()) return std::nullopt;
    e.other = advice.empty() ? "no advice before it" : "the last advice was " + advice.front().change();
    return e;
}

ServingCheck check_serving_prediction(const ServingExpectation& e, const ServingWindow& after) {
    ServingCheck c;
    c.p99_error = after.p99_us > 0 ? std::fabs(after.p99_us - e.p99_us) / after.p99_us : 0;
    c.throughput_error = after.throughput_rps > 0 ? std::fabs(after.throughput_rps - e.throughput_rps) / after.throughput_rps : 0;
    c.text = "predicted p99 " + num(e.p99_us) + " us, " + num(e.throughput_rps) + " requests/s, mean batch " + fmt("%.1f", e.mean_batch) +
             "; measured p99 " + num(after.p99_us) + " us, " + num(after.throughput_rps) + " requests/s, mean batch " +
             fmt("%.1f", after.mean_batch) + " (p99 error " + pct(c.p99_error) + ", throughput error " + pct(c.throughput_error) + ")";
    return c;
}

std::vector<RequestRecord> settled_after_change(std::vector<RequestRecord> recs, int64_t change_ns) {
    std::erase_if(recs, [&](const RequestRecord& r) { return r.start_ns < change_ns; });
    std::stable_sort(recs.begin(), recs.end(), [](const RequestRecord& a, const RequestRecord& b) { return a.start_ns < b.start_ns; });
    recs.erase(recs.begin(), recs.begin() + static_cast<std::ptrdiff_t>(recs.size() / 5));
    return recs;
}

}  // namespace batchscope::engine::infer
