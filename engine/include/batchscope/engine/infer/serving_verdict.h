#pragma once
// The serving verdict: what dominates the latency of a window of an inference stream, and which
// knob (max batch, queue delay, concurrency, rate) to turn, with what the change is expected to do
// (p50, p99, throughput and mean batch from the queueing model of serving_model.h) and the numbers
// it came from. An advice is given only when the model predicts a material gain. docs/ADVICE.md,
// "Inference streams".
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/engine/infer/serving_model.h"
#include "batchscope/engine/infer/serving_window.h"
#include "batchscope/knobs/knob.h"

namespace batchscope::engine::infer {

enum class ServingBottleneck : uint8_t {
    Unknown,        // no requests
    GeneratorLate,  // the load generator fell behind its schedule
    QueueBusy,      // queue wait behind a busy server
    BatchWait,      // waiting for a fuller batch while the server idles
    Compute,        // the model's own work
    Copies,         // h2d + d2h
};
// "generator behind", "queue behind a busy server", "waiting for a fuller batch", "compute", "copies".
const char* bottleneck_name(ServingBottleneck b) noexcept;

// The knobs a window was served with.
struct ServingSetting {
    LoadMode mode = LoadMode::Poisson;
    double rate = 0;
    int concurrency = 1;
    int max_batch = 1;
    int64_t queue_delay_us = 0;
    void apply(knobs::Knob k, double value);  // a live knob change
    bool operator==(const ServingSetting&) const = default;
};

struct ServingExpectation {
    double p50_us = 0, p99_us = 0, throughput_rps = 0, mean_batch = 0;
    bool valid() const noexcept { return throughput_rps > 0; }
};
// "p50 120 us, p99 480 us, 950 requests/s, mean batch 3.2"
std::string describe(const ServingExpectation& e);

struct ServingAdvice {
    knobs::Knob knob = knobs::Knob::MaxBatch;
    double from = 0, to = 0;
    ServingExpectation expected;
    std::string reason;  // one line with the numbers it came from
    std::string change() const;  // "max batch 1 → 8"
    // "max batch 1 → 8 — expected: p50 …; because …" (as a training advice's text: the caller says "try")
    std::string text() const;
};

struct ServingVerdict {
    ServingBottleneck bottleneck = ServingBottleneck::Unknown;
    // "queue behind a busy server: 71% of mean latency (p99: 83%); the server was busy 97% of the time"
    std::string headline;
    ServingWindow window;
    ServiceFit service;
    SimResult model_now;  // the model of the window's own setting (how well it matches what was measured)
    std::vector<ServingAdvice> advice;  // best first; empty: no knob is predicted to help
    std::string note;                   // why no advice, or what limits the prediction
};

struct ServingJudgeOptions {
    // An advice must cut p99 by a third (without losing 5% throughput) — the cut a serving advice is
    // judged by (docs/ADVICE.md) — or raise throughput by 10% (p99 no more than 10% worse).
    double min_p99_gain = 1.0 / 3.0;
    double min_throughput_gain = 0.10;
    // A change predicted to cut p99 by this much, but less than min_p99_gain, is not advised; the
    // note names it ("smaller gains predicted: …") when nothing is advised.
    double note_p99_gain = 0.10;
    std::span<const BatchPoint> profile;  // service times measured before the run (profile_service), if any
};

// `recs`: the window's requests (any order). Nothing is judged with fewer than 20 requests, and no
// advice is given from fewer than 100.
// No advice from fewer requests: their p99 is a few of the slowest.
inline constexpr int64_t kMinAdviceRequests = 100;

ServingVerdict judge_serving(std::span<const RequestRecord> recs, const ServingSetting& s, const ServingJudgeOptions& o = {});

// What one live change of a serving knob (max batch, queue delay, concurrency in a closed loop,
// rate in an open one) to `to` is expected to do, advised or not: the window's arrivals replayed
// at the changed setting, read as judge_serving reads a candidate advice (the same replay, so an
// advised change gets the advice's own expectation). Returned as an advice (knob, from, to,
// expected, reason); with nothing to predict (another knob, no change, a knob that does not act
// in this load mode, fewer than kMinAdviceRequests requests, no model) `expected` is not valid
// and `reason` says why. `o`: its profile only.
ServingAdvice predict_serving_change(std::span<const RequestRecord> recs, const ServingSetting& s, knobs::Knob knob, double to,
                                     const ServingJudgeOptions& o = {});

// What a live change of `knob` to `to`, made after a window judged at `s` whose advice was
// `advice`, is expected to do: that advice when the change applies one of them (same knob and
// value), else the change replayed on the window (predict_serving_change). Empty when neither can
// say. The saved session, the dashboard and `presets run` check a change against this.
struct ExpectedChange {
    ServingAdvice change;  // the knob, values, expectation and reason
    bool advised = false;  // it applies one of the window's advice
    std::string other;     // if not: "the last advice was max batch 1 → 4", or "no advice before it"
};
std::optional<ExpectedChange> expect_change(std::span<const RequestRecord> recs, const ServingSetting& s,
                                            std::span<const ServingAdvice> advice, knobs::Knob knob, double to,
                                            const ServingJudgeOptions& o = {});

struct ServingCheck {
    double p99_error = 0, throughput_error = 0;  // |measured - predicted| / measured
    // "predicted p99 480 us, 950 requests/s; measured p99 510 us, 940 requests/s (p99 error 6%, throughput error 1%)"
    std::string text;
};
ServingCheck check_serving_prediction(const ServingExpectation& e, const ServingWindow& after);

// The requests an applied advice is checked on: those whose batch started at or after the change
// (`change_ns`; those queued before it count too: the new policy served them), in the order their
// batches started, the first fifth left out while the queue left from before the change drains.
// `infer --apply-advice` and the saved session's check both judge these.
std::vector<RequestRecord> settled_after_change(std::vector<RequestRecord> recs, int64_t change_ns);

}  // namespace batchscope::engine::infer
