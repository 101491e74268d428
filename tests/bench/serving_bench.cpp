// Checks the serving verdict's advice on real inference streams (InferenceRun, CPU) over synthetic
// services of known cost (fixed + per-request µs, slept and spun on the host: emulated models):
// rate × max batch × queue delay × concurrency × service. For each: run to a steady state, judge a
// window, apply the first advice live, let the queue settle, measure again, and compare what the
// advice predicted with what was measured. A hit: p99 cut by a third or more, or throughput up 10%
// or more. "No advice" is a miss when one single change of the grid (max batch × 4, queue delay 0,
// concurrency × 2 or ÷ 2) gains 20% or more (p99 down 20% at 95% of the throughput, or
// throughput up 20%).
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

bool gains(const ServingWindow& before, const ServingWindow& after, double by) {
    return (after.p99_us <= before.p99_us * (1 - by) && after.throughput_rps >= before.throughput_rps * 0.95) ||
           after.throughput_rps >= before.throughput_rps * (1 + by);
}

std::string f0(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f", v);
    return b;
}

}  // namespace

int run_serving_bench(double segment, size_t first, size_t count) {
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
    };
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
        ServingSetting setting{cfg.mode, cfg.rate, cfg.concurrency, cfg.max_batch, cfg.queue_delay_us};
        sleep_s(0.5);  // warm-up
        const ServingVerdict v = measure(run, *sink, setting, segment, profile);
        const ServingWindow& before = v.window;
        std::string advice = "none", hit = "miss", pred = "-", meas = "-", err = "-";
        size_t changes = 0;
        if (!v.advice.empty()) {
            const ServingAdvice& a = v.advice.front();
            advice = a.change();
            const std::string e = run.set_knob(a.knob, a.to);
            if (e.empty() && applied(run, ++changes) >= 0) {
                setting.apply(a.knob, a.to);
                settle(run, setting.max_batch, segment / 4);
                const ServingVerdict after = measure(run, *sink, setting, segment, profile);
                const bool ok = after.window.p99_us <= before.p99_us * (2.0 / 3.0) || after.window.throughput_rps >= before.throughput_rps * 1.10;
                hit = ok ? "hit" : "miss";
                hits += ok;
                const ServingCheck c = check_serving_prediction(a.expected, after.window);
                pred = f0(a.expected.p99_us) + ", " + f0(a.expected.throughput_rps);
                meas = f0(after.window.p99_us) + ", " + f0(after.window.throughput_rps);
                err = f0(100 * c.p99_error) + "%";
                p99_errors.push_back(c.p99_error);
                tp_errors.push_back(c.throughput_error);
            } else {
                advice += " (refused: " + e + ")";
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
                ServingSetting now = setting;
                const double old = knob == Knob::MaxBatch ? sc.max_batch : knob == Knob::QueueDelayUs ? double(sc.delay_us) : sc.concurrency;
                if (value == old || !run.set_knob(knob, value).empty() || applied(run, ++changes) < 0) continue;
                now.apply(knob, value);
                settle(run, now.max_batch, segment / 4);
                const ServingVerdict alt = measure(run, *sink, now, segment, profile);
                char b[128];
                std::snprintf(b, sizeof b, "%s%s %.0f: p99 %+.0f%%, req/s %+.0f%%", tried.empty() ? "" : "; ",
                              std::string(knobs::info(knob).short_label).c_str(), value, 100 * (alt.window.p99_us / before.p99_us - 1),
                              100 * (alt.window.throughput_rps / before.throughput_rps - 1));
                tried += b;
                gained |= gains(before, alt.window, 0.20);
                run.set_knob(knob, old);  // back to the scenario's setting
                if (applied(run, ++changes) < 0) break;
                settle(run, setting.max_batch, segment / 4);
            }
            hit = gained ? "miss" : "hit";
            hits += !gained;
            advice = "none (tried " + tried + ")";
        }
        ++judged;
        run.stop();
        run.wait();
        std::printf("| %zu | %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s |\n", i + 1, name, bottleneck_name(v.bottleneck), before.p99_us,
                    before.throughput_rps, advice.c_str(), pred.c_str(), meas.c_str(), err.c_str(), hit.c_str());
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
