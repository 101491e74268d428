#include <gtest/gtest.h>

#include <cmath>

#include "batchscope/store/compare.h"
#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "store_files.h"

using namespace batchscope::store;

namespace {
int64_t make(const std::string& path, const std::string& config, int64_t data_wait, double sps, int requests) {
    SessionMeta m;
    m.mode = requests ? "infer" : "train";
    m.model = "mlp";
    m.config_json = config;
    SessionRecorder rec(path, m);
    for (int i = 0; i < 100; ++i) {
        IterationRow r;
        r.iteration = i;
        r.wall_ns = 1'000'000 + data_wait;
        r.compute_ns = 1'000'000;
        r.data_wait_ns = data_wait;
        rec.add(r);
    }
    for (int i = 0; i < requests; ++i) {
        RequestRow q;
        q.request_id = i;
        q.scheduled_ns = i * 1000;
        q.latency_ns = (i + 1) * 1000;  // 1..N us
        rec.add(q);
    }
    EpochRow e;
    e.epoch = 1;
    e.samples_per_s = sps;
    e.steady_samples_per_s = sps;
    e.test_accuracy = 0.85;
    rec.add(e);
    rec.finish("finished");
    return rec.session_id();
}

const MetricRow& metric(const Comparison& c, const std::string& name) {
    for (const auto& m : c.metrics)
        if (m.name == name) return m;
    throw std::runtime_error("no metric " + name);
}
}  // namespace

TEST(Compare, ConfigDiffKnobsAndDeltas) {
    bs_store_test::TempFile t;
    const int64_t a = make(t.path, R"({"batch_size":32,"prefetch_depth":0,"seed":1,"model":"mlp"})", 4'000'000, 10000, 0);
    const int64_t b = make(t.path, R"({"batch_size":32,"prefetch_depth":4,"seed":1,"model":"mlp"})", 0, 25000, 0);
    SessionStore s(t.path);
    Comparison c = compare_sessions(s, {a, b});
    ASSERT_EQ(c.config_diff.size(), 1u);
    EXPECT_EQ(c.config_diff[0].key, "prefetch_depth");
    EXPECT_TRUE(c.config_diff[0].is_knob);
    EXPECT_EQ(c.config_diff[0].values, (std::vector<std::string>{"0", "4"}));
    const MetricRow& tp = metric(c, "throughput");
    EXPECT_DOUBLE_EQ(tp.delta_pct[1], 150.0);
    const MetricRow& dw = metric(c, "data wait");
    EXPECT_DOUBLE_EQ(dw.values[0], 4.0);
    EXPECT_DOUBLE_EQ(dw.delta_pct[1], -100.0);
    EXPECT_DOUBLE_EQ(metric(c, "iteration time").delta_pct[1], -80.0);
    for (const auto& m : c.metrics) EXPECT_NE(m.name, "latency p50");  // not measured in either
}

TEST(Compare, APartUnderOnePercentOfTheBaseStepGetsNoPercentChange) {
    bs_store_test::TempFile t;
    // Base: data wait 5 us of a 1.005 ms step (0.5%); then 400 us. Without the rule: +7900%.
    const int64_t a = make(t.path, "{}", 5'000, 10000, 0);
    const int64_t b = make(t.path, "{}", 400'000, 10000, 0);
    // Base 20 us of 1.02 ms (2%): its change stays, -75% to 5 us.
    const int64_t c20 = make(t.path, "{}", 20'000, 10000, 0);
    SessionStore s(t.path);
    const Comparison ab = compare_sessions(s, {a, b});
    const MetricRow& dw = metric(ab, "data wait");
    EXPECT_DOUBLE_EQ(dw.values[0], 0.005);
    EXPECT_DOUBLE_EQ(dw.values[1], 0.4);
    EXPECT_TRUE(std::isnan(dw.delta_pct[1]));
    EXPECT_DOUBLE_EQ(metric(ab, "iteration time").delta_pct[1], 100.0 * (1.4 - 1.005) / 1.005);  // whole steps keep theirs
    const Comparison ca = compare_sessions(s, {c20, a});
    EXPECT_DOUBLE_EQ(metric(ca, "data wait").delta_pct[1], -75.0);
}

TEST(Compare, LatencyPercentilesAndErrors) {
    bs_store_test::TempFile t;
    const int64_t a = make(t.path, "{}", 0, 1, 1000);
    const int64_t b = make(t.path, "{}", 0, 1, 100);
    SessionStore s(t.path);
    Comparison c = compare_sessions(s, {a, b});
    EXPECT_DOUBLE_EQ(metric(c, "latency p50").values[0], 500.0);
    EXPECT_DOUBLE_EQ(metric(c, "latency p99").values[0], 990.0);
    EXPECT_DOUBLE_EQ(metric(c, "latency p99").values[1], 99.0);
    EXPECT_THROW(compare_sessions(s, {a}), StoreError);
    EXPECT_THROW(compare_sessions(s, {a, 999}), StoreError);
}

TEST(Compare, PercentileByNearestRank) {
    std::vector<int64_t> v = {5, 1, 4, 2, 3};
    EXPECT_EQ(percentile(v, 50), 3);
    EXPECT_EQ(percentile(v, 100), 5);
    EXPECT_EQ(percentile(v, 0), 1);
    std::vector<int64_t> e;
    EXPECT_TRUE(std::isnan(percentile(e, 50)));
}

// Issue 6, item 6: a model's training session and its serving session side by side.
TEST(Compare, TrainingAgainstServingPerSample) {
    bs_store_test::TempFile t;
    int64_t train = 0, serve = 0;
    {
        SessionMeta m;
        m.mode = "train";
        m.config_json = R"({"mode":"train","model":"mlp"})";
        SessionRecorder rec(t.path, m);
        for (int i = 0; i < 10; ++i) {  // batches of 100 samples, 2 ms of compute each: 20 us per sample
            IterationRow r;
            r.iteration = i;
            r.batch_size = 100;
            r.wall_ns = 2'500'000;
            r.compute_ns = 2'000'000;
            rec.add(r);
        }
        rec.finish("finished");
        train = rec.session_id();
    }
    {
        SessionMeta m;
        m.mode = "infer";
        m.config_json = R"({"mode":"infer","model":"mlp"})";
        SessionRecorder rec(t.path, m);
        // 3 batches: one of 1 request (30 us) and two of 2 (40 us each): compute per request
        // 30, 20, 20, 20, 20 us -> mean 22 us; 5 requests in 3 batches; 4 of 5 answers right.
        const int sizes[] = {1, 2, 2, 2, 2};
        const int64_t compute[] = {30'000, 40'000, 40'000, 40'000, 40'000};
        for (int i = 0; i < 5; ++i) {
            RequestRow q;
            q.request_id = i;
            q.scheduled_ns = i * 1000;
            q.latency_ns = 50'000;
            q.batch_size = sizes[i];
            q.compute_ns = compute[i];
            q.correct = i == 0 ? 0 : 1;
            rec.add(q);
        }
        rec.finish("finished");
        serve = rec.session_id();
    }
    SessionStore s(t.path);
    Comparison c = compare_sessions(s, {train, serve});
    const MetricRow& per_sample = metric(c, "compute per sample");
    EXPECT_DOUBLE_EQ(per_sample.values[0], 20.0);
    EXPECT_DOUBLE_EQ(per_sample.values[1], 22.0);
    EXPECT_DOUBLE_EQ(per_sample.delta_pct[1], 10.0);
    const MetricRow& batch = metric(c, "samples per batch");
    EXPECT_DOUBLE_EQ(batch.values[0], 100.0);
    EXPECT_NEAR(batch.values[1], 5.0 / 3.0, 1e-9);
    const MetricRow& served = metric(c, "served accuracy");
    EXPECT_TRUE(std::isnan(served.values[0]));
    EXPECT_DOUBLE_EQ(served.values[1], 0.8);
    ASSERT_EQ(c.config_diff.size(), 1u);  // batches against a stream
    EXPECT_EQ(c.config_diff[0].key, "mode");
}
