#include <gtest/gtest.h>

#include <cmath>

#include "batchscope/engine/infer/scenarios.h"
#include "batchscope/engine/infer/server_search.h"

using namespace batchscope::engine::infer;

namespace {

// p99 = 1 ms / (1 - rate / 10k): the bound 4 ms is met up to exactly 7,500 requests/s.
ProbeResult analytic(double rate) {
    ProbeResult r;
    r.requests = 1000;
    r.achieved_rps = rate;
    r.p99_ns = rate >= 10000 ? INT64_MAX : static_cast<int64_t>(1e6 / (1 - rate / 10000));
    return r;
}

// P(W <= t) of an M/D/1 queue (arrival rate lam, service time s), Erlang's formula.
double md1_wait_cdf(double t, double lam, double s) {
    double sum = 0;
    for (int j = 0; j <= static_cast<int>(std::floor(t / s)); ++j) {
        const double x = lam * (j * s - t);
        sum += std::pow(x, j) / std::tgamma(j + 1) * std::exp(-x);
    }
    return (1 - lam * s) * sum;
}

// The highest rate whose p99 response time (wait + s) stays under `bound`.
double md1_answer(double s, double bound) {
    double lo = 1, hi = 1 / s * 0.9999;
    for (int i = 0; i < 60; ++i) {
        const double mid = (lo + hi) / 2;
        (md1_wait_cdf(bound - s, mid, s) >= 0.99 ? lo : hi) = mid;
    }
    return lo;
}

}  // namespace

TEST(ServerSearch, FindsAKnownAnswerToThePrecisionAsked) {
    ServerSearchOptions o;
    o.p99_bound_ns = 4'000'000;
    o.start_rate = 1000;
    o.precision = 0.01;
    const ServerSearchResult r = find_max_rate(analytic, o);
    ASSERT_TRUE(r.found);
    EXPECT_LE(r.rate, 7500.0);
    EXPECT_GE(r.rate, 7500.0 / 1.01);
    EXPECT_GT(r.failed_rate, 7500.0);
    EXPECT_LE(r.failed_rate / r.rate - 1, 0.01 + 1e-12);
    EXPECT_LE(r.probes.size(), 16u);
    EXPECT_TRUE(r.note.empty()) << r.note;
    // Starting above the answer gallops down instead.
    o.start_rate = 90000;
    const ServerSearchResult down = find_max_rate(analytic, o);
    EXPECT_NEAR(down.rate, 7500, 7500 * 0.011);
}

TEST(ServerSearch, AServerThatCannotKeepUpFailsEvenWithLowLatency) {
    ServerSearchOptions o;
    o.p99_bound_ns = 4'000'000;
    o.precision = 0.01;
    const ServerSearchResult r = find_max_rate([](double rate) {
        ProbeResult p;
        p.requests = 1000;
        p.p99_ns = 1000;
        p.achieved_rps = std::min(rate, 5000.0);  // capacity 5,000/s
        return p;
    }, o);
    EXPECT_LE(r.rate, 5000 / 0.9 + 1e-6);
    EXPECT_GE(r.rate, 5000 / 0.9 / 1.011);
}

TEST(ServerSearch, ReportsWhenNothingPassesOrEverythingDoes) {
    ServerSearchOptions o;
    o.min_rate = 10;
    const ServerSearchResult none = find_max_rate([](double) { return ProbeResult{0, INT64_MAX, 0, 100, true, false}; }, o);
    EXPECT_FALSE(none.found);
    EXPECT_FALSE(none.note.empty());
    o.max_rate = 64000;
    const ServerSearchResult all = find_max_rate([](double rate) { return ProbeResult{0, 1, rate, 100, true, false}; }, o);
    EXPECT_TRUE(all.found);
    EXPECT_EQ(all.rate, 64000);
    EXPECT_EQ(all.failed_rate, 0);
    EXPECT_FALSE(all.note.empty());
}

// Timing-dependent (real streams on a shared machine: it failed once in a CI-like run when the
// other tests loaded both cores), so it is not part of the default run. Run it by hand:
//   build/bin/engine_infer_tests --gtest_also_run_disabled_tests --gtest_filter='*QueueingAnswer'
// The search logic itself is tested above against services with exact answers.
TEST(ServerSearch, DISABLED_RealStreamsOnASyntheticServiceLandNearTheQueueingAnswer) {
    // A 1 ms deterministic service at batch 1 under Poisson load is an M/D/1 queue: with a 10 ms
    // p99 bound, theory says ~773 requests/s. Short probes on a shared machine (sleep overshoot,
    // preemption) can only make latency worse, so the bounds below are wide on the low side.
    const double theory = md1_answer(1e-3, 10e-3);
    ASSERT_NEAR(theory, 773, 2);
    std::shared_ptr<BatchService> service = make_synthetic_service(fixed_service_time(1'000'000), "1 ms");
    InferConfig base;
    base.requests = 600;
    base.max_batch = 1;
    ServerSearchOptions o;
    o.p99_bound_ns = 10'000'000;
    o.start_rate = 400;
    o.precision = 0.1;
    o.max_probes = 9;
    const ServerSearchResult r = find_max_rate(make_stream_probe(base, service), o);
    ASSERT_TRUE(r.found);
    EXPECT_LE(r.rate, 1.2 * theory);
    EXPECT_GE(r.rate, 0.45 * theory);
    EXPECT_LT(r.rate, 1000) << "never above the service's capacity";
}
