// The serving verdict on hand-built windows: how a request's latency is divided, each rule of
// what dominates, the service-time fit, the batcher simulation on cases computed by hand, the
// advice with its predicted effect, and the window of requests the views judge.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "batchscope/engine/infer/request_window_sink.h"
#include "batchscope/engine/infer/serving_model.h"
#include "batchscope/engine/infer/serving_verdict.h"
#include "batchscope/engine/infer/serving_window.h"

using namespace batchscope::engine::infer;
using batchscope::knobs::Knob;

namespace {

constexpr int64_t kUs = 1000;

RequestRecord rec(int64_t id, int64_t sched_us, int64_t issued_us, int64_t start_us, int64_t done_us, int batch,
                  int64_t h2d_us = 0, int64_t d2h_us = 0) {
    RequestRecord r;
    r.id = id;
    r.scheduled_ns = sched_us * kUs;
    r.issued_ns = issued_us * kUs;
    r.start_ns = start_us * kUs;
    r.done_ns = done_us * kUs;
    r.batch_size = batch;
    r.h2d_ns = h2d_us * kUs;
    r.d2h_ns = d2h_us * kUs;
    r.compute_ns = (done_us - start_us - h2d_us - d2h_us) * kUs;
    return r;
}

// A tiny server for building windows: the batcher's rule (release at max batch or when the oldest
// has waited `delay`, never before the server is free), service fixed + per_row × size, the
// generator `late_us` behind each scheduled arrival.
std::vector<RequestRecord> serve(const std::vector<int64_t>& sched_us, int max_batch, int64_t delay_us, double fixed_us,
                                 double per_row_us, int64_t late_us = 0, int64_t copies_us = 0) {
    std::vector<RequestRecord> out;
    int64_t free_at = 0;
    for (size_t i = 0; i < sched_us.size();) {
        const int64_t first = sched_us[i] + late_us;
        const size_t mb = static_cast<size_t>(max_batch);
        const int64_t full = i + mb - 1 < sched_us.size() ? sched_us[i + mb - 1] + late_us : INT64_MAX;
        const int64_t release = std::max(free_at, std::min(full, first + delay_us));
        size_t j = i;
        while (j < sched_us.size() && j - i < mb && sched_us[j] + late_us <= release) ++j;
        const int n = static_cast<int>(j - i);
        const int64_t done = release + static_cast<int64_t>(fixed_us + per_row_us * n) + copies_us;
        for (size_t k = i; k < j; ++k)
            out.push_back(rec(static_cast<int64_t>(k), sched_us[k], sched_us[k] + late_us, release, done, n, copies_us / 2, copies_us / 2));
        free_at = done;
        i = j;
    }
    return out;
}

std::vector<int64_t> every(int64_t gap_us, int n, int64_t jitter_us = 0) {
    std::vector<int64_t> v;
    for (int i = 0; i < n; ++i) v.push_back(i * gap_us + (jitter_us ? (i * 7919) % jitter_us : 0));
    std::sort(v.begin(), v.end());
    return v;
}

// Poisson arrivals at `rate` per second (seeded: the same on every run), in µs.
std::vector<int64_t> poisson(double rate, int n, uint64_t seed = 1) {
    std::mt19937_64 rng(seed);
    std::exponential_distribution<double> gap(rate / 1e6);
    std::vector<int64_t> v;
    double t = 0;
    for (int i = 0; i < n; ++i) {
        v.push_back(static_cast<int64_t>(t));
        t += gap(rng);
    }
    return v;
}

// Service times of sizes 1 to 64 as profile_service would measure them.
std::vector<BatchPoint> profile_of(double fixed_us, double per_row_us) {
    std::vector<BatchPoint> p;
    for (int b = 1; b <= 64; b *= 2) p.push_back({b, static_cast<int64_t>((fixed_us + per_row_us * b) * kUs)});
    return p;
}

ServingSetting open(double rate, int max_batch, int64_t delay_us) {
    ServingSetting s;
    s.mode = LoadMode::Poisson;
    s.rate = rate;
    s.max_batch = max_batch;
    s.queue_delay_us = delay_us;
    return s;
}

}  // namespace

TEST(ServingWindow, DividesEachRequestsLatencyIntoItsParts) {
    // Batch A [0, 100] serves request 0; request 1 (due 50) waits behind it and is served in B
    // [100, 200]; request 2 is due at 300, issued 10 late, and the server idles until 400 (C).
    const std::vector<RequestRecord> rs{rec(0, 0, 0, 0, 100, 1), rec(1, 50, 50, 100, 200, 1, 10, 10),
                                        rec(2, 300, 310, 400, 500, 1)};
    const ServingWindow w = summarize_serving(rs);
    EXPECT_EQ(w.requests, 3);
    EXPECT_EQ(w.batches, 3);
    EXPECT_NEAR(w.mean.late, 10.0 * kUs / 3, 1);
    EXPECT_NEAR(w.mean.busy_wait, 50.0 * kUs / 3, 1);
    EXPECT_NEAR(w.mean.idle_wait, 90.0 * kUs / 3, 1);
    EXPECT_NEAR(w.mean.copies, 20.0 * kUs / 3, 1);
    EXPECT_NEAR(w.mean.compute, 280.0 * kUs / 3, 1);
    EXPECT_NEAR(w.mean.total() / 1e3, w.mean_us, 0.01);  // the parts sum to the latency
    EXPECT_NEAR(w.utilisation, 300.0 / 500.0, 1e-9);
    EXPECT_NEAR(w.mean_batch, 1.0, 1e-9);
    EXPECT_NEAR(w.throughput_rps, 3 / 500e-6, 1);
}

TEST(ServingWindow, AWaitBeforeTheWindowsFirstBatchIsBehindABusyServer) {
    // Requests 10 and 11 queued behind batches served before the window (a backlog): the server
    // was busy, not idle, while they waited.
    const std::vector<RequestRecord> rs{rec(10, 0, 0, 500, 600, 1), rec(11, 100, 100, 600, 700, 1)};
    const ServingWindow w = summarize_serving(rs);
    EXPECT_NEAR(w.mean.busy_wait, 500.0 * kUs, 1);
    EXPECT_NEAR(w.mean.idle_wait, 0, 1);
    EXPECT_EQ(w.first_start_ns, 500 * kUs);
}

TEST(ServingWindow, ABatchAtTheWindowsEdgeKeepsItsOwnSize) {
    // Only 2 of the first batch's 8 requests are in the window: it is still a batch of 8 (the
    // service fit must not see a batch of 2 that took as long as 8).
    std::vector<RequestRecord> rs{rec(6, 0, 0, 0, 800, 8), rec(7, 0, 0, 0, 800, 8)};
    for (int64_t k = 0; k < 2; ++k) rs.push_back(rec(8 + k, 800, 800, 800, 1000, 2));
    const ServingWindow w = summarize_serving(rs);
    ASSERT_EQ(w.batch_points.size(), 2u);
    EXPECT_EQ(w.batch_points[0].size, 8);
    EXPECT_EQ(w.batch_points[1].size, 2);
    EXPECT_NEAR(w.mean_batch, 5.0, 1e-9);
}

TEST(ServingWindow, AnIdleServersLateStartIsMeasured) {
    // The second batch could begin at 200 (its request issued, the server free since 100) and
    // began at 240; the first has no batch before it in the window.
    const std::vector<RequestRecord> rs{rec(0, 0, 0, 30, 100, 1), rec(1, 200, 200, 240, 300, 1)};
    const ServingWindow w = summarize_serving(rs);
    EXPECT_NEAR(w.idle_start_ns, 40.0 * kUs, 1);
    ASSERT_EQ(w.idle_starts.size(), 1u);  // and the one idle start, at its time
    EXPECT_EQ(w.idle_starts[0].ready_ns, 200 * kUs);
    EXPECT_EQ(w.idle_starts[0].late_ns, 40 * kUs);
}

// A batch whose first request was waiting when the previous batch ended starts after the
// server's turnaround; that is measured apart from an idle server's wake-up.
TEST(ServingWindow, ABusyServersTurnaroundIsMeasuredApartFromItsWakeUps) {
    // Request 1, issued at 50 while batch 0 ran to 100, starts at 110: a turnaround of 10.
    // Request 2, issued at 300 with the server idle since 200, starts at 340: a wake-up of 40.
    const std::vector<RequestRecord> rs{rec(0, 0, 0, 0, 100, 1), rec(1, 50, 50, 110, 200, 1), rec(2, 300, 300, 340, 400, 1)};
    const ServingWindow w = summarize_serving(rs);
    EXPECT_NEAR(w.busy_start_ns, 10.0 * kUs, 1);
    EXPECT_NEAR(w.idle_start_ns, 40.0 * kUs, 1);
    ASSERT_EQ(w.idle_starts.size(), 1u);
    EXPECT_EQ(w.idle_starts[0].ready_ns, 300 * kUs);
}

// Requests issued during the turnaround join the batch it begins.
TEST(ServingModel, RequestsIssuedDuringTheTurnaroundJoinTheNextBatch) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 100 * kUs;
    const std::vector<Arrival> a{{0, 0}, {10 * kUs, 10 * kUs}, {110 * kUs, 110 * kUs}};
    const ServingPolicy four{LoadMode::Constant, 1, 4, 0, 1};
    // Without a turnaround: [0, 100), then the one issued at 10 alone [100, 200), then the one
    // issued at 110 [200, 300). Latencies 100, 190, 190.
    const SimResult none = simulate(a, four, f);
    EXPECT_EQ(none.batches, 3);
    EXPECT_DOUBLE_EQ(none.p99_us, 190);
    // A turnaround of 20 us: the second batch starts at 120 and takes the one issued at 110 too:
    // [120, 220). Latencies 100, 210, 110.
    f.turnaround_ns = 20 * kUs;
    const SimResult turn = simulate(a, four, f);
    EXPECT_EQ(turn.batches, 2);
    EXPECT_DOUBLE_EQ(turn.p99_us, 210);
    EXPECT_DOUBLE_EQ(turn.p50_us, 110);
}

TEST(ServingModel, AnIdleServerWakesBeforeItServes) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 50 * kUs;
    f.wake_ns = 20 * kUs;
    std::vector<Arrival> a;
    for (int i = 0; i < 4; ++i) a.push_back({i * 100 * kUs, i * 100 * kUs});
    const SimResult r = simulate(a, {LoadMode::Constant, 1, 1, 0, 1}, f);
    EXPECT_DOUBLE_EQ(r.p99_us, 70);  // 20 us to wake, 50 us to serve
    // A busy server takes the next batch at once: two requests at 0, the second waits 50, no wake.
    const std::vector<Arrival> two{{0, 0}, {0, 0}};
    EXPECT_DOUBLE_EQ(simulate(two, {LoadMode::Constant, 1, 1, 0, 1}, f).p99_us, 120);
}

// The window's spread is replayed as stalls in time: a stall lengthens the simulated batch running
// when it happens, once, however many batches the setting makes, and a stall while the simulated
// server idles delays nothing.
TEST(ServingModel, AStallHitsTheBatchRunningWhenItHappensOnce) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 100 * kUs;
    f.stalls = {{1050 * kUs, 300 * kUs}, {1500 * kUs, 300 * kUs}};
    // Three requests at 1000 us served one at a time: batch 1 [1000, 1100) meets the stall at
    // 1050 and ends at 1400; batch 2 runs [1400, 1500) (the stall at 1500 is not before its end);
    // batch 3 [1500, 1600) meets it and ends at 1900. Latencies 400, 500, 900.
    const std::vector<Arrival> three{{1000 * kUs, 1000 * kUs}, {1000 * kUs, 1000 * kUs}, {1000 * kUs, 1000 * kUs}};
    const SimResult one_at_a_time = simulate(three, {LoadMode::Constant, 1, 1, 0, 1}, f);
    EXPECT_DOUBLE_EQ(one_at_a_time.p50_us, 500);
    EXPECT_DOUBLE_EQ(one_at_a_time.p99_us, 900);
    // All three in one batch (max batch 4): [1000, 1100) + 300 = 1400 for each; the stall at 1500
    // falls while the server idles.
    const SimResult together = simulate(three, {LoadMode::Constant, 1, 4, 0, 1}, f);
    EXPECT_DOUBLE_EQ(together.p99_us, 400);
    EXPECT_EQ(together.batches, 1);
}

// The measured wake-ups are replayed one by one at their times, not as their mean: one slow wake-up
// (a thread kept off its core) delays the requests queued behind it, and a larger batch serves
// them together. That tail is what batching cuts at a low load.
TEST(ServingModel, ASlowWakeUpIsReplayedWhenItHappenedAndBatchingCutsItsQueue) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 100 * kUs;
    // Idle starts measured at 0, 1000 and 2000 us: 10, 600 and 10 us late (mean 206.67 us).
    f.wakes = {{0, 10 * kUs}, {1000 * kUs, 600 * kUs}, {2000 * kUs, 10 * kUs}};
    f.wake_ns = 620 * kUs / 3;
    EXPECT_EQ(f.wake_at(0), 10 * kUs);
    EXPECT_EQ(f.wake_at(1100 * kUs), 600 * kUs);    // nearest: the one at 1000
    EXPECT_EQ(f.wake_at(1600 * kUs), 10 * kUs);     // nearest: the one at 2000
    EXPECT_EQ(f.wake_at(9000 * kUs), 620 * kUs / 3);  // none within 5 ms: the mean
    // One request at 0 and 2000 us, three at 1000, 1100 and 1200 us.
    const std::vector<Arrival> a{{0, 0}, {1000 * kUs, 1000 * kUs}, {1100 * kUs, 1100 * kUs}, {1200 * kUs, 1200 * kUs}, {2000 * kUs, 2000 * kUs}};
    // Max batch 1: [10, 110); the one at 1000 starts at 1600 (woken 600 late), ends 1700; 1100
    // and 1200 follow at once (the server is busy): 1800, 1900; the one at 2000 waits 10: 2110.
    // Latencies 110, 700, 700, 700, 110: p99 700.
    const SimResult one = simulate(a, {LoadMode::Constant, 1, 1, 0, 1}, f);
    EXPECT_DOUBLE_EQ(one.p99_us, 700);
    EXPECT_DOUBLE_EQ(one.p50_us, 700);
    // Max batch 4: 1000 still starts at 1600 and the two queued behind it join its batch: all three
    // end at 1700. Latencies 110, 700, 600, 500, 110.
    const SimResult four = simulate(a, {LoadMode::Constant, 1, 4, 0, 1}, f);
    EXPECT_DOUBLE_EQ(four.p99_us, 700);
    EXPECT_DOUBLE_EQ(four.p50_us, 500);
    // With only the mean wake-up (206.67 us) every idle start is alike: 1000 starts at 1206.67
    // and the others wait behind it; the tail is smaller and batching's cut is another.
    ServiceFit mean = f;
    mean.wakes.clear();
    EXPECT_LT(simulate(a, {LoadMode::Constant, 1, 1, 0, 1}, mean).p99_us, 600);
}

TEST(ServingModel, AServerBusyAtTheStartServesTheBacklogFirst) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 100 * kUs;
    const std::vector<Arrival> a{{0, 0}, {50 * kUs, 50 * kUs}};
    // Busy until 1 ms: the first is served 1.0-1.1 ms, the second 1.1-1.2 ms.
    const SimResult r = simulate(a, {LoadMode::Constant, 1, 1, 0, 1}, f, 0, 1000 * kUs);
    EXPECT_DOUBLE_EQ(r.p50_us, 1100);
    EXPECT_DOUBLE_EQ(r.p99_us, 1150);
}

TEST(ServingVerdict, GeneratorBehindWhenLatenessIsAQuarterOfTheLatency) {
    const auto rs = serve(every(1000, 200), 1, 0, 100, 0, /*late_us=*/300);
    const ServingVerdict v = judge_serving(rs, open(1000, 1, 0));
    EXPECT_EQ(v.bottleneck, ServingBottleneck::GeneratorLate);
    EXPECT_NE(v.headline.find("behind schedule"), std::string::npos) << v.headline;
    EXPECT_TRUE(v.advice.empty());
    EXPECT_NE(v.note.find("generator"), std::string::npos);
}

TEST(ServingVerdict, QueueBehindABusyServerAdvisesALargerBatchThatCutsP99) {
    // 400 us + 10 us per request at max batch 1 serves 2,439 requests/s; 2,300 arrive (Poisson).
    // The window's batches are all of one size: the profile measured before the run gives the slope.
    const auto rs = serve(poisson(2300, 3000), 1, 0, 400, 10);
    const auto profile = profile_of(400, 10);
    ServingJudgeOptions o;
    o.profile = profile;
    const ServingVerdict v = judge_serving(rs, open(2300, 1, 0), o);
    EXPECT_EQ(v.bottleneck, ServingBottleneck::QueueBusy) << v.headline;
    EXPECT_GT(v.window.utilisation, 0.9);
    ASSERT_FALSE(v.advice.empty()) << v.note;
    const ServingAdvice& a = v.advice.front();
    EXPECT_EQ(a.knob, Knob::MaxBatch);
    EXPECT_GT(a.to, 1);
    EXPECT_LT(a.expected.p99_us, v.window.p99_us * 0.5);
    EXPECT_GT(a.expected.mean_batch, 1.0);
    EXPECT_NE(a.text().find("max batch 1 → "), std::string::npos) << a.text();
}

// An advice must be predicted to cut p99 by a third (or raise throughput 10%): a smaller predicted
// cut is within the model's error of no gain. Such a change is named in the note, not advised.
TEST(ServingVerdict, AChangePredictedToCutP99ByLessThanTheBarIsNamedNotAdvised) {
    const auto rs = serve(poisson(2300, 3000), 1, 0, 400, 10);
    const auto profile = profile_of(400, 10);
    ServingJudgeOptions o;
    o.profile = profile;
    EXPECT_DOUBLE_EQ(o.min_p99_gain, 1.0 / 3.0);
    const ServingVerdict advised = judge_serving(rs, open(2300, 1, 0), o);
    ASSERT_FALSE(advised.advice.empty());
    EXPECT_EQ(advised.note.find("smaller gains"), std::string::npos);
    // The same window with a bar above any change's cut: nothing advised, and the changes that
    // cut p99 by 10% or more are named with their replayed p99.
    o.min_p99_gain = 0.999;
    o.min_throughput_gain = 10;
    const ServingVerdict v = judge_serving(rs, open(2300, 1, 0), o);
    for (const ServingAdvice& a : v.advice) EXPECT_EQ(a.knob, Knob::Rate);  // the last resort (its own bar) may remain
    EXPECT_NE(v.note.find("smaller gains predicted, not advised: max batch 1 → "), std::string::npos) << v.note;
    EXPECT_NE(v.note.find(" us in the replay, "), std::string::npos) << v.note;
    // And none is named when no change reaches 10% either.
    o.note_p99_gain = 0.999;
    EXPECT_EQ(judge_serving(rs, open(2300, 1, 0), o).note.find("smaller gains"), std::string::npos);
}

TEST(ServingVerdict, WaitingForAFullerBatchAdvisesAShorterQueueDelay) {
    // 500 requests/s, max batch 32, queue delay 5 ms: each batch waits the delay, then takes ~300 us.
    const auto rs = serve(poisson(500, 1000), 32, 5000, 200, 20);
    const ServingVerdict v = judge_serving(rs, open(500, 32, 5000));
    EXPECT_EQ(v.bottleneck, ServingBottleneck::BatchWait) << v.headline;
    ASSERT_FALSE(v.advice.empty()) << v.note;
    EXPECT_EQ(v.advice.front().knob, Knob::QueueDelayUs);
    EXPECT_LT(v.advice.front().to, 5000);
    EXPECT_LT(v.advice.front().expected.p99_us, v.window.p99_us * 0.67);
}

TEST(ServingVerdict, ComputeWhenTheServerIdlesAndTheModelIsTheLatencyAndNoKnobHelps) {
    const auto rs = serve(poisson(1000, 2000), 1, 0, 100, 10);
    const auto profile = profile_of(100, 10);
    ServingJudgeOptions o;
    o.profile = profile;
    const ServingVerdict v = judge_serving(rs, open(1000, 1, 0), o);
    EXPECT_EQ(v.bottleneck, ServingBottleneck::Compute) << v.headline;
    EXPECT_TRUE(v.advice.empty()) << v.advice.front().text();
    EXPECT_NE(v.note.find("model's own work"), std::string::npos);
}

TEST(ServingVerdict, CopiesWhenH2dAndD2hDominate) {
    const auto rs = serve(every(1000, 300), 1, 0, 20, 0, 0, /*copies_us=*/200);
    const ServingVerdict v = judge_serving(rs, open(1000, 1, 0));
    EXPECT_EQ(v.bottleneck, ServingBottleneck::Copies) << v.headline;
}

TEST(ServingVerdict, ClosedLoopWithPerRequestCostAdvisesFewerOutstanding) {
    // 16 outstanding, batching saves nothing (100 us per request): halving concurrency halves the
    // latency at the same throughput. The window: a closed loop of 16 served one batch of 16 at a time.
    std::vector<RequestRecord> rs;
    int64_t t = 0, id = 0;
    std::vector<int64_t> slots(16, 0);
    for (int b = 0; b < 60; ++b) {
        const int64_t done = t + 1600;
        for (int k = 0; k < 16; ++k) rs.push_back(rec(id++, slots[k], slots[k], t, done, 16));
        std::fill(slots.begin(), slots.end(), done);
        t = done;
    }
    ServingSetting s;
    s.mode = LoadMode::Closed;
    s.concurrency = 16;
    s.max_batch = 16;
    const ServingVerdict v = judge_serving(rs, s);
    ASSERT_FALSE(v.advice.empty()) << v.headline << " / " << v.note;
    EXPECT_EQ(v.advice.front().knob, Knob::Concurrency);
    EXPECT_LT(v.advice.front().to, 16);
    EXPECT_GT(v.advice.front().expected.throughput_rps, v.window.throughput_rps * 0.95);
}

TEST(ServingVerdict, OverloadThatNoServerKnobFixesAdvisesALowerRate) {
    // Batching saves nothing (200 us per request) and 8,000 requests/s arrive for a server of 5,000.
    const auto rs = serve(poisson(8000, 4000), 256, 0, 0, 200);
    const ServingVerdict v = judge_serving(rs, open(8000, 256, 0));
    EXPECT_EQ(v.bottleneck, ServingBottleneck::QueueBusy) << v.headline;
    ASSERT_FALSE(v.advice.empty()) << v.note;
    EXPECT_EQ(v.advice.front().knob, Knob::Rate);
    EXPECT_LT(v.advice.front().to, 5000);
    EXPECT_LT(v.advice.front().expected.p99_us, v.window.p99_us / 3);
}

TEST(ServingVerdict, TooFewRequestsAreNotJudged) {
    const auto rs = serve(every(1000, 10), 1, 0, 100, 0);
    const ServingVerdict v = judge_serving(rs, open(1000, 1, 0));
    EXPECT_EQ(v.bottleneck, ServingBottleneck::Unknown);
    EXPECT_FALSE(v.note.empty());
}

TEST(ServingVerdict, NoAdviceFromFewerThanAHundredRequests) {
    // Saturated as above, but 60 requests: judged, not advised on.
    const auto rs = serve(poisson(2300, 60), 1, 0, 400, 10);
    const ServingVerdict v = judge_serving(rs, open(2300, 1, 0));
    EXPECT_NE(v.bottleneck, ServingBottleneck::Unknown);
    EXPECT_TRUE(v.advice.empty());
    EXPECT_NE(v.note.find("100 needed"), std::string::npos) << v.note;
}

TEST(ServiceFit, RecoversFixedAndPerRowCosts) {
    const std::vector<BatchPoint> ps{{1, 110'000}, {2, 120'000}, {4, 140'000}, {8, 180'000}};
    const ServiceFit f = fit_service(ps);
    EXPECT_NEAR(f.fixed_ns, 100'000, 1);
    EXPECT_NEAR(f.per_row_ns, 10'000, 1);
    const std::vector<BatchPoint> one{{4, 400'000}, {4, 400'000}};
    const ServiceFit g = fit_service(one);
    EXPECT_EQ(g.fixed_ns, 0);
    EXPECT_NEAR(g.per_row_ns, 100'000, 1);
    EXPECT_NE(g.source.find("no batching gain"), std::string::npos);
}

TEST(ServiceFit, OneBatchSizeUsesTheProfileScaledToTheWindow) {
    ServingWindow w;
    w.batch_points = {{1, 220'000}, {1, 220'000}};
    w.mean_batch = 1;
    w.mean_service_ns = 220'000;
    const std::vector<BatchPoint> profile{{1, 110'000}, {2, 120'000}, {4, 140'000}};
    const ServiceFit f = window_service(w, profile);
    EXPECT_NEAR(f.fixed_ns, 200'000, 1);  // twice as slow as profiled
    EXPECT_NEAR(f.per_row_ns, 20'000, 1);
}

TEST(ServingModel, ReplaysTheBatcherByHand) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 50 * kUs;
    std::vector<Arrival> a;
    for (int i = 0; i < 8; ++i) a.push_back({i * 100 * kUs, i * 100 * kUs});
    // Max batch 1, no delay: each served at once in 50 us.
    SimResult r = simulate(a, {LoadMode::Constant, 1, 1, 0, 1}, f);
    EXPECT_EQ(r.batches, 8);
    EXPECT_DOUBLE_EQ(r.p99_us, 50);
    // Max batch 4, delay 1 ms: the 4th arrival (300 us) releases each batch, done 50 us later:
    // latencies 350, 250, 150, 50.
    r = simulate(a, {LoadMode::Constant, 1, 4, 1000 * kUs, 1}, f);
    EXPECT_EQ(r.batches, 2);
    EXPECT_DOUBLE_EQ(r.p99_us, 350);
    EXPECT_DOUBLE_EQ(r.p50_us, 150);
    EXPECT_DOUBLE_EQ(r.mean_batch, 4);
    // Delay 120 us: released when the oldest has waited 120 us (arrivals 0 and 100 us), then
    // 200 and 300, ...: latencies 170 and 70.
    r = simulate(a, {LoadMode::Constant, 1, 4, 120 * kUs, 1}, f);
    EXPECT_EQ(r.batches, 4);
    EXPECT_DOUBLE_EQ(r.p99_us, 170);
    EXPECT_DOUBLE_EQ(r.p50_us, 70);
    // Twice the rate, max batch 1: arrivals every 50 us, each served in 50 us: no queue.
    r = simulate(a, {LoadMode::Constant, 1, 1, 0, 2}, f);
    EXPECT_DOUBLE_EQ(r.p99_us, 50);
    EXPECT_NEAR(r.throughput_rps, 8 / 400e-6, 1);
}

TEST(ServingModel, ClosedLoopKeepsConcurrencyOutstanding) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 100 * kUs;
    std::vector<Arrival> a(10);
    // Two outstanding, one at a time, 100 us each: each response lets one in, which waits behind
    // the other: 200 us per request after the first, 10,000 requests/s.
    const SimResult r = simulate(a, {LoadMode::Closed, 2, 1, 0, 1}, f);
    EXPECT_EQ(r.requests, 10);
    EXPECT_DOUBLE_EQ(r.p99_us, 200);
    EXPECT_NEAR(r.throughput_rps, 10 / 1000e-6, 1);
}

// A closed loop's client replayed response by response: of the four requests the first response
// let in, one was issued 50 us late; it misses the batch the other three make and waits a whole
// batch. The mean lateness for every request (12.5 us) kept every batch whole and hid that tail.
TEST(ServingModel, AClosedLoopReplaysEachResponsesRequestsSoALateOneMissesItsBatch) {
    ServiceFit f;
    f.valid = true;
    f.fixed_ns = 1000 * kUs;
    // Two responses' worth: at 0, issued at offsets 0, 0, 0, 50 us; at 1000, all at once.
    std::vector<Arrival> a{{0, 0}, {0, 0}, {0, 0}, {0, 50 * kUs}};
    for (int k = 0; k < 4; ++k) a.push_back({1000 * kUs, 1000 * kUs});
    const ServingPolicy four{LoadMode::Closed, 4, 4, 0, 1};
    // [0, 1000) serves the three issued at 0; the late one (issued at 50) and the three the first
    // response let in (the second group's offsets: at 1000) make [1000, 2000); the last request,
    // let in at 2000 (the first group again, offset 0), runs [2000, 3000) alone.
    // Latencies 1000 × 7 and 2000 (the late one: 0 to 2000).
    const SimResult each = simulate(a, four, f, kMeasuredThink);
    EXPECT_EQ(each.requests, 8);
    EXPECT_EQ(each.batches, 3);
    EXPECT_DOUBLE_EQ(each.p50_us, 1000);
    EXPECT_DOUBLE_EQ(each.p99_us, 2000);
    const SimResult mean = simulate(a, four, f, 12'500);
    EXPECT_EQ(mean.batches, 2);
    EXPECT_DOUBLE_EQ(mean.p99_us, 1012.5);
}

TEST(ServingCheck, ErrorsAreRelativeToWhatWasMeasured) {
    ServingExpectation e;
    e.p99_us = 400;
    e.throughput_rps = 900;
    ServingWindow w;
    w.p99_us = 500;
    w.throughput_rps = 1000;
    const ServingCheck c = check_serving_prediction(e, w);
    EXPECT_NEAR(c.p99_error, 0.2, 1e-9);
    EXPECT_NEAR(c.throughput_error, 0.1, 1e-9);
    EXPECT_NE(c.text.find("p99 error 20%"), std::string::npos) << c.text;
}

TEST(RequestWindowSink, KeepsTheLastRequestsAndSelectsByIdAndByAnswerTime) {
    RequestWindowSink sink(nullptr, 5);
    for (int64_t b = 0; b < 4; ++b) {
        const std::vector<RequestRecord> batch{rec(2 * b, 0, 0, 100 * b, 100 * b + 50, 2), rec(2 * b + 1, 0, 0, 100 * b, 100 * b + 50, 2)};
        sink.on_batch(batch);
    }
    EXPECT_EQ(sink.served(), 8);
    const auto kept = sink.between(0);
    ASSERT_EQ(kept.size(), 5u);  // the oldest three dropped
    EXPECT_EQ(kept.front().id, 3);
    EXPECT_EQ(sink.between(4, 6).size(), 2u);
    const auto late = sink.answered_since(250 * kUs);  // batches answered at 250 and 350 us
    ASSERT_EQ(late.size(), 4u);
    EXPECT_EQ(late.front().id, 4);
    EXPECT_EQ(sink.answered_since(250 * kUs, 7).size(), 1u);
}

// An applied advice is checked on the requests whose batch started at or after the change, in the
// order their batches started, without the first fifth (the backlog from before the change).
TEST(ServingVerdict, TheCheckAfterAChangeLeavesOutWhatStartedBeforeItAndTheFirstFifth) {
    std::vector<RequestRecord> recs;
    // Ids 0-2 started before the change at 1000 us; ids 3-12 after, given out of order.
    for (int64_t id : {12, 0, 5, 3, 1, 9, 4, 2, 11, 6, 10, 8, 7})
        recs.push_back(rec(id, id * 100, id * 100, id < 3 ? 900 + id : 1000 + id * 10, 5000 + id, 1));
    const std::vector<RequestRecord> kept = settled_after_change(recs, 1000'000);
    std::vector<int64_t> ids;
    for (const RequestRecord& r : kept) ids.push_back(r.id);
    // 10 after the change, the first fifth (ids 3 and 4, the earliest batches) left out.
    EXPECT_EQ(ids, (std::vector<int64_t>{5, 6, 7, 8, 9, 10, 11, 12}));
}

// A change made by hand (advised or not) is predicted by replaying the window at the changed
// setting. The window: a request every 100 us, each served alone in 50 us (max batch 4, no delay);
// the profile gives 40 us + 10 us per request (scaled by 1: the window's batches of 1 take 50 us),
// so the model of the setting now is what was measured and no correction applies.
TEST(ServingPrediction, AChangeIsTheReplayOfTheChangedSettingComputedByHand) {
    const auto rs = serve(every(100, 200), 4, 0, 40, 10);
    const auto profile = profile_of(40, 10);
    ServingJudgeOptions o;
    o.profile = profile;
    const ServingSetting now = open(10000, 4, 0);
    const ServingVerdict v = judge_serving(rs, now, o);
    ASSERT_DOUBLE_EQ(v.model_now.p99_us, 50);
    ASSERT_NEAR(v.window.p99_us, 50, 0.5);
    // Queue delay 0 → 1000 us: each batch leaves at its 4th arrival and takes 40 + 4 × 10 = 80 us;
    // latencies 380, 280, 180, 80 (50 of each): p50 180, p99 380; the last done at 19,900 + 80 us.
    ServingAdvice a = predict_serving_change(rs, now, Knob::QueueDelayUs, 1000, o);
    ASSERT_TRUE(a.expected.valid()) << a.reason;
    EXPECT_EQ(a.from, 0);
    EXPECT_EQ(a.change(), "queue delay 0 → 1,000");
    EXPECT_NEAR(a.expected.p50_us, 180 + (v.window.p50_us - 50), 1e-9);
    EXPECT_NEAR(a.expected.p99_us, 380 + (v.window.p99_us - 50), 1e-9);
    EXPECT_DOUBLE_EQ(a.expected.mean_batch, 4);
    EXPECT_NEAR(a.expected.throughput_rps, 200 / 19'980e-6, 1e-6);
    EXPECT_NE(a.reason.find("fuller batches"), std::string::npos) << a.reason;
    // Rate 10,000 → 5,000 requests/s: a request every 200 us, each alone in 50 us; the last done at
    // 39,800 + 50 us.
    a = predict_serving_change(rs, now, Knob::Rate, 5000, o);
    ASSERT_TRUE(a.expected.valid()) << a.reason;
    EXPECT_NEAR(a.expected.p99_us, 50 + (v.window.p99_us - 50), 1e-9);
    EXPECT_DOUBLE_EQ(a.expected.mean_batch, 1);
    EXPECT_NEAR(a.expected.throughput_rps, 200 / 39'850e-6, 1e-6);
    EXPECT_NE(a.reason.find("5,000 requests/s stay under it"), std::string::npos) << a.reason;
}

// An advised change predicted again gives the advice's own expectation and reason: one replay.
TEST(ServingPrediction, AnAdvisedChangeGetsTheAdvicesExpectation) {
    const auto rs = serve(poisson(2300, 3000), 1, 0, 400, 10);
    const auto profile = profile_of(400, 10);
    ServingJudgeOptions o;
    o.profile = profile;
    const ServingVerdict v = judge_serving(rs, open(2300, 1, 0), o);
    ASSERT_FALSE(v.advice.empty()) << v.note;
    for (const ServingAdvice& advice : v.advice) {
        const ServingAdvice p = predict_serving_change(rs, open(2300, 1, 0), advice.knob, advice.to, o);
        EXPECT_EQ(p.text(), advice.text());
        EXPECT_DOUBLE_EQ(p.expected.p99_us, advice.expected.p99_us);
        EXPECT_DOUBLE_EQ(p.expected.throughput_rps, advice.expected.throughput_rps);
    }
    // Another value than the advice's (max batch 1 → 2 is never advised when 1 → 4 is): predicted too.
    const ServingAdvice other = predict_serving_change(rs, open(2300, 1, 0), Knob::MaxBatch, 3, o);
    ASSERT_TRUE(other.expected.valid()) << other.reason;
    EXPECT_LT(other.expected.p99_us, v.window.p99_us);
}

// A change is expected to do what the advice it applies says, or else what its replay says, and
// names the advice it was not.
TEST(ServingPrediction, AChangeIsExpectedAsTheAdviceItAppliesOrAsItsReplay) {
    const auto rs = serve(poisson(2300, 3000), 1, 0, 400, 10);
    const auto profile = profile_of(400, 10);
    ServingJudgeOptions o;
    o.profile = profile;
    const ServingVerdict v = judge_serving(rs, open(2300, 1, 0), o);
    ASSERT_FALSE(v.advice.empty()) << v.note;
    const ServingAdvice& a = v.advice.front();
    const auto advised = expect_change(rs, open(2300, 1, 0), v.advice, a.knob, a.to, o);
    ASSERT_TRUE(advised);
    EXPECT_TRUE(advised->advised);
    EXPECT_EQ(advised->change.text(), a.text());
    EXPECT_TRUE(advised->other.empty());
    const auto other = expect_change(rs, open(2300, 1, 0), v.advice, Knob::MaxBatch, 3, o);
    ASSERT_TRUE(other);
    EXPECT_FALSE(other->advised);
    EXPECT_EQ(other->other, "the last advice was " + a.change());
    EXPECT_EQ(expect_change(rs, open(2300, 1, 0), {}, Knob::MaxBatch, 3, o)->other, "no advice before it");
    EXPECT_FALSE(expect_change(rs, open(2300, 1, 0), v.advice, Knob::Concurrency, 2, o));  // an open loop: nothing to say
}

TEST(ServingPrediction, NothingIsPredictedWhereTheModelCannotSay) {
    const auto rs = serve(every(100, 200), 4, 0, 40, 10);
    const ServingSetting now = open(10000, 4, 0);
    auto why_not = [&](Knob k, double to, std::span<const RequestRecord> recs) {
        const ServingAdvice a = predict_serving_change(recs, now, k, to);
        EXPECT_FALSE(a.expected.valid()) << a.text();
        return a.reason;
    };
    EXPECT_EQ(why_not(Knob::Concurrency, 4, rs), "concurrency acts only in a closed loop");
    EXPECT_EQ(why_not(Knob::MaxBatch, 4, rs), "no change");
    EXPECT_EQ(why_not(Knob::MaxBatch, 0, rs), "max batch 0 is out of range: use 1 to 256");
    EXPECT_EQ(why_not(Knob::Threads, 2, rs), "BLAS threads is not a serving knob");
    EXPECT_EQ(why_not(Knob::MaxBatch, 8, std::span(rs).first(60)), "no prediction from 60 requests (100 needed)");
    ServingSetting closed = now;
    closed.mode = LoadMode::Closed;
    EXPECT_FALSE(predict_serving_change(rs, closed, Knob::Rate, 100).expected.valid());
}
