// Checks the serving verdict's advice on real inference streams (InferenceRun, CPU) over synthetic
// services of known cost (fixed + per-request µs, slept and spun on the host: emulated models):
// rate × max batch × queue delay × concurrency × service. For each: run to a steady state, judge a
// window, apply the first advice live, let the queue settle, measure again, and compare what the
// advice predicted with what was measured. A hit: p99 cut by a third or more, or throughput up 10%
// or more. "No advice" is a miss when one single change of the grid (max batch × 4, queue delay 0,
// concurrency × 2 or ÷ 2) gains 20% or more (p99 down 20% at 95% of the throughput, or
// throughput up 20%).
//
// One window's p99 on a shared 2-core machine moves by tens of percent between windows of the same
// setting (a few late wake-ups of the generator or the server are the slowest 1%). So each change is
// measured in rounds: the changed setting and the setting before it alternate, window by window
// (after, before, after, ...; the judged window is the first "before"), and the medians of each side
// are compared. An overloaded setting (its queue only grows) is not gone back to. `rounds` windows per side (1: one window each, as a user's single try would see it).
#include "serving_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/request_window_sink.h"
#include "batchscope/engine/infer/serving_model.h"
#include "batchscope/engine/infer/serving_verdict.h"
#include "bench_wait.h"

using namespace batchscope;
using namespace batchscope::engine::infer;
using knobs::Knob;

namespace {

struct ServingScenario {
    LoadMode mode;
    double rate;
    int concurrency, max_batch;
    int64_t delay_us;
    double fixed_us, per_row_us;
    int burst = 8;
};

using bench_wait::applied;
using bench_wait::sleep_s;

// Lets the queue that built up before a change drain (at most 10 s), then `seconds` more settle.
void settle(InferenceRun& run, int max_batch, double seconds) {
    for (int i = 0; i < 1000 && run.snapshot()->queue_depth > 2 * max_batch; ++i) sleep_s(0.01);
    sleep_s(seconds);
}

// `seconds` of requests issued from now on, judged as served by then.
ServingVerdict measure(InferenceRun& run, RequestWindowSink& sink, const ServingSetting& s, double seconds,
                       std::span<const BatchPoint> profile) {
    const int64_t from = run.snapshot()->totals.issued;
    sleep_s(seconds);
    ServingJudgeOptions o;
    o.profile = profile;
    return judge_serving(sink.between(from), s, o);
}

// The medians of a side's windows (p99 and throughput each), and the range of its p99.
struct Side {
    std::vector<ServingWindow> windows;
    double median(double ServingWindow::*field) const {
        std::vector<double> v;
        for (const ServingWindow& w : windows) v.push_back(w.*field);
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    }
    double p99() const { return median(&ServingWindow::p99_us); }
    double rps() const { return median(&ServingWindow::throughput_rps); }
    ServingWindow as_window() const {  // the medians, as one window (for check_serving_prediction)
        ServingWindow w;
        w.p99_us = p99();
        w.throughput_rps = rps();
        w.mean_batch = median(&ServingWindow::mean_batch);
        return w;
    }
    // "1839 (1702–2210)": the median p99 and the range of the windows', in µs
    std::string p99_text() const;
};

bool gains(const Side& before, const Side& after, double by) {
    return (after.p99() <= before.p99() * (1 - by) && after.rps() >= before.rps() * 0.95) || after.rps() >= before.rps() * (1 + by);
}

// Measures `knob` → `to` against its value `from` in alternating windows, `rounds` per side, the
// changed setting first; `before` holds the judged window already. Leaves the run at `from`
// when `restore`, else at `to`. A setting the server cannot keep up with (`from_overloads`: its
// queue only grows, so a window of it is mostly backlog) is not gone back to: the changed setting's
// windows follow each other. Windows of fewer than 100 requests are not counted. `changes` counts
// the run's knob changes. False when a change was refused or not applied.
bool alternate(InferenceRun& run, RequestWindowSink& sink, ServingSetting setting, Knob knob, double from, double to, int rounds,
               double segment, std::span<const BatchPoint> profile, size_t& changes, Side& before, Side& after, bool restore,
               bool from_overloads) {
    auto set = [&](double value) {
        if (!run.set_knob(knob, value).empty() || applied(run, ++changes) < 0) return false;
        setting.apply(knob, value);
        settle(run, setting.max_batch, segment / 4);
        return true;
    };
    auto add = [&](Side& side) {
        const ServingWindow w = measure(run, sink, setting, segment, profile).window;
        if (w.requests >= kMinAdviceRequests) side.windows.push_back(w);
    };
    if (!set(to)) return false;
    add(after);
    for (int r = 1; r < rounds; ++r) {
        if (!from_overloads) {
            if (!set(from)) return false;
            add(before);
            if (!set(to)) return false;
        }
        add(after);
    }
    return !restore || set(from);
}

std::string f0(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f", v);
    return b;
}

std::string Side::p99_text() const {
    if (windows.size() < 2) return f0(p99());
    const auto [lo, hi] = std::minmax_element(windows.begin(), windows.end(),
                                              [](const ServingWindow& a, const ServingWindow& b) { return a.p99_us < b.p99_us; });
    return f0(p99()) + " (" + f0(lo->p99_us) + "–" + f0(hi->p99_us) + ")";
}

}  // namespace

int run_serving_bench(double segment, size_t first, size_t count, int rounds) {
    rounds = std::max(1, rounds);
    const LoadMode P = LoadMode::Poisson, C = LoadMode::Closed, B = LoadMode::Bursts;
    const std::vector<ServingScenario> grid{
        {P, 2300, 1, 1, 0, 400, 10},      // a busy server at max batch 1, batching nearly free
        {P, 500, 1, 32, 5000, 200, 20},   // a long queue delay at a low rate
        {C, 0, 1, 8, 2000, 100, 10},      // one request outstanding, the batcher waits for more
        {C, 0, 16, 1, 0, 300, 5},         // 16 outstanding, one at a time
        {P, 1000, 1, 1, 0, 100, 10},      // a quiet server: the model is the latency
        {P, 8000, 1, 4, 0, 500, 20},      // overloaded at max batch 4
        {C, 0, 8, 8, 0, 20, 100},         // 8 outstanding, batching saves nothing
        {P, 6000, 1, 256, 0, 0, 200},     // overloaded, batching saves nothing: only the rate helps
        {B, 2000, 1, 1, 0, 200, 10, 16},  // bursts of 16 at max batch 1
        {P, 3000, 1, 2, 1000, 300, 30},   // max batch 2, 1 ms queue delay
        {P, 200, 1, 16, 0, 2000, 50},     // a slow model at a low rate
        {C, 0, 4, 4, 0, 1000, 10},        // 4 outstanding, batches of 4 already
        {P, 1500, 1, 64, 20000, 1000, 5}, // a 20 ms queue delay before a costly batch that never fills
        {C, 0, 2, 1, 0, 200, 50},         // two outstanding, one at a time
        {B, 500, 1, 4, 0, 500, 20, 32},   // bursts of 32 at max batch 4
        {P, 4000, 1, 8, 0, 50, 50},       // a per-request cost that batching cannot share, at 4,000/s
    };
    std::printf("each change measured in %d alternating window(s) of %.1f s per side; p99 as median (range)\n\n", rounds, segment);
    std::printf("| # | scenario | verdict | p99 before µs | req/s before | advice | predicted p99 µs, req/s | measured p99 µs, req/s | p99 error | hit |\n"
                "|---|---|---|---:|---:|---|---|---|---:|---|\n");
    int hits = 0, judged = 0;
    std::vector<double> p99_errors, tp_errors;
    for (size_t i = first; i < grid.size() && i < first + count; ++i) {
        const ServingScenario& sc = grid[i];
        InferConfig cfg;
        cfg.mode = sc.mode;
        cfg.rate = sc.rate > 0 ? sc.rate : 1000;
        cfg.burst = sc.burst;
        cfg.concurrency = sc.concurrency;
        cfg.max_batch = sc.max_batch;
        cfg.queue_delay_us = sc.delay_us;
        cfg.requests = 0;  // until stopped
        char name[200];
        std::snprintf(name, sizeof name, "%s%s, max batch %d, delay %lld µs, synthetic %.0f µs + %.0f µs/request", to_string(sc.mode),
                      sc.mode == C ? (" ×" + std::to_string(sc.concurrency)).c_str()
                                   : (" " + f0(sc.rate) + "/s" + (sc.mode == B ? " in bursts of " + std::to_string(sc.burst) : "")).c_str(),
                      sc.max_batch, static_cast<long long>(sc.delay_us), sc.fixed_us, sc.per_row_us);
        std::shared_ptr<BatchService> service = make_synthetic_service(
            fixed_service_time(std::llround(sc.fixed_us * 1e3), std::llround(sc.per_row_us * 1e3)), "synthetic");
        const std::vector<BatchPoint> profile = profile_service(*service, 64, 3);
        auto sink = std::make_shared<RequestWindowSink>(nullptr, 400'000);
        InferenceRun run(cfg, service);
        run.set_sink(sink);
        run.start();
        const ServingSetting setting{cfg.mode, cfg.rate, cfg.concurrency, cfg.max_batch, cfg.queue_delay_us};
        sleep_s(0.5);  // warm-up
        const ServingVerdict v = measure(run, *sink, setting, segment, profile);
        const bool overloaded = is_open_loop(sc.mode) && v.window.throughput_rps < 0.9 * v.window.offered_rps;
        Side before;
        before.windows.push_back(v.window);
        std::string advice = "none", hit = "miss", pred = "-", meas = "-", err = "-";
        size_t changes = 0;
        if (!v.advice.empty()) {
            const ServingAdvice& a = v.advice.front();
            advice = a.change();
            Side after;
            if (alternate(run, *sink, setting, a.knob, a.from, a.to, rounds, segment, profile, changes, before, after, false, overloaded)) {
                const bool ok = after.p99() <= before.p99() * (2.0 / 3.0) || after.rps() >= before.rps() * 1.10;
                hit = ok ? "hit" : "miss";
                hits += ok;
                const ServingCheck c = check_serving_prediction(a.expected, after.as_window());
                pred = f0(a.expected.p99_us) + ", " + f0(a.expected.throughput_rps);
                meas = after.p99_text() + ", " + f0(after.rps());
                err = f0(100 * c.p99_error) + "%";
                p99_errors.push_back(c.p99_error);
                tp_errors.push_back(c.throughput_error);
            } else {
                advice += " (refused or not applied)";
            }
        } else {
            // No advice: a miss only when one single change of the grid gains 20% or more.
            std::vector<std::pair<Knob, double>> alts;
            alts.push_back({Knob::MaxBatch, std::min(256, sc.max_batch * 4)});
            if (sc.delay_us > 0) alts.push_back({Knob::QueueDelayUs, 0});
            if (sc.mode == C) {
                alts.push_back({Knob::Concurrency, sc.concurrency * 2});
                if (sc.concurrency > 1) alts.push_back({Knob::Concurrency, sc.concurrency / 2});
            }
            bool gained = false;
            std::string tried;
            for (const auto& [knob, value] : alts) {
                const double old = knob == Knob::MaxBatch ? sc.max_batch : knob == Knob::QueueDelayUs ? double(sc.delay_us) : sc.concurrency;
                if (value == old) continue;
                Side alt;
                if (!alternate(run, *sink, setting, knob, old, value, rounds, segment, profile, changes, before, alt, true, overloaded)) break;
                char b[128];
                std::snprintf(b, sizeof b, "%s%s %.0f: p99 %+.0f%%, req/s %+.0f%%", tried.empty() ? "" : "; ",
                              std::string(knobs::info(knob).short_label).c_str(), value, 100 * (alt.p99() / before.p99() - 1),
                              100 * (alt.rps() / before.rps() - 1));
                tried += b;
                gained |= gains(before, alt, 0.20);
            }
            hit = gained ? "miss" : "hit";
            hits += !gained;
            advice = "none (tried " + tried + ")";
        }
        ++judged;
        run.stop();
        run.wait();
        std::printf("| %zu | %s | %s | %s | %.0f | %s | %s | %s | %s | %s |\n", i + 1, name, bottleneck_name(v.bottleneck),
                    before.p99_text().c_str(), before.rps(), advice.c_str(), pred.c_str(), meas.c_str(), err.c_str(), hit.c_str());
        std::fflush(stdout);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[v.size() / 2];
    };
    std::printf("\nserving scenarios %d, hits %d (%.0f%%; target 90%%), predictions %zu, median error of the predicted p99 %.0f%%, "
                "of the predicted requests/s %.0f%%\n",
                judged, hits, judged ? 100.0 * hits / judged : 0.0, p99_errors.size(), 100 * median(p99_errors), 100 * median(tp_errors));
    return 0;
}
