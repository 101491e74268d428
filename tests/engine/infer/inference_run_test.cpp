// InferenceRun on synthetic services with known service times. Bounds are generous: the tests
// run on shared, noisy 2-core machines.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "batchscope/engine/infer/inference_run.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;

namespace {

constexpr int64_t kUs = 1000, kMs = 1'000'000;

std::shared_ptr<BatchService> fixed(int64_t per_batch_ns) {
    return make_synthetic_service(fixed_service_time(per_batch_ns), "synthetic");
}

InferConfig config(LoadMode mode, int64_t requests) {
    InferConfig c;
    c.mode = mode;
    c.requests = requests;
    c.keep_records = true;
    return c;
}

}  // namespace

TEST(InferenceRun, LatencyCountsQueueingFromTheScheduledArrivalWhenTheServerStalls) {
    // The first batch stalls the server for 150 ms; requests keep arriving once per ms.
    std::shared_ptr<BatchService> service = make_synthetic_service(
        [](int64_t batch, int) { return batch == 0 ? 150 * kMs : 20 * kUs; },
                                          "stalls once");
    InferConfig c = config(LoadMode::Constant, 300);
    c.rate = 1000;
    const InferResult r = run_inference(c, service);
    ASSERT_EQ(r.completed, 300);
    ASSERT_EQ(r.records.size(), 300u);
    int checked = 0;
    for (const RequestRecord& q : r.records) {
        if (q.id < 1 || q.id >= 130) continue;
        // Due at t0 + id ms, it cannot be answered before t0 + 150 ms.
        const int64_t floor_ns = (150 - q.id) * kMs - 2 * kMs;
        EXPECT_GE(q.latency_ns(), floor_ns) << "request " << q.id;
        EXPECT_GE(q.queue_ns(), floor_ns) << "request " << q.id;
        EXPECT_EQ(q.latency_ns(), q.done_ns - q.scheduled_ns);
        ++checked;
    }
    EXPECT_EQ(checked, 129);
    // The generator kept its schedule while the server stalled (open loop: nothing held it back).
    EXPECT_LT(r.records[100].lateness_ns(), 50 * kMs);
    EXPECT_GE(r.latency.value_ns(90), 40 * kMs);
    EXPECT_GE(r.queue.value_ns(50), 0);
}

TEST(InferenceRun, ClosedLoopKeepsAtMostConcurrencyOutstanding) {
    InferConfig c = config(LoadMode::Closed, 60);
    c.concurrency = 3;
    c.max_batch = 8;
    const InferResult r = run_inference(c, fixed(1 * kMs));
    ASSERT_EQ(r.completed, 60);
    for (const RequestRecord& q : r.records) EXPECT_LE(q.batch_size, 3);
    for (size_t k = 9; k < r.batch_sizes.size(); ++k) EXPECT_EQ(r.batch_sizes[k], 0);
    // After the first three, a request is scheduled when an earlier one was answered.
    int64_t first_done = INT64_MAX;
    for (const RequestRecord& q : r.records) first_done = std::min(first_done, q.done_ns);
    for (const RequestRecord& q : r.records)
        if (q.id >= 3) {
            EXPECT_GE(q.scheduled_ns, first_done);
        }
    EXPECT_LT(r.lateness.value_ns(50), 20 * kMs);
}

TEST(InferenceRun, OfflineIssuesEverythingAtOnceInFullBatches) {
    InferConfig c = config(LoadMode::Offline, 100);
    c.max_batch = 16;
    c.queue_delay_us = 100'000;  // full batches never wait; the last one is flushed at close
    const InferResult r = run_inference(c, fixed(100 * kUs));
    ASSERT_EQ(r.completed, 100);
    EXPECT_EQ(r.batches, 7);
    EXPECT_EQ(r.batch_sizes[16], 6);
    EXPECT_EQ(r.batch_sizes[4], 1);
    EXPECT_NEAR(r.mean_batch, 100.0 / 7, 1e-9);
    for (const RequestRecord& q : r.records) EXPECT_EQ(q.scheduled_ns, r.records.front().scheduled_ns);
    EXPECT_GT(r.throughput_rps, 0);
    EXPECT_EQ(r.accuracy, -1) << "synthetic answers are not checked";
}

TEST(InferenceRun, LiveKnobsApplyWhileRunningAndAreRecorded) {
    InferConfig c = config(LoadMode::Poisson, 0);  // until stopped
    c.rate = 2000;
    InferenceRun run(c, fixed(50 * kUs));
    EXPECT_FALSE(run.set_max_batch(0).empty());
    EXPECT_FALSE(run.set_max_batch(257).empty());
    EXPECT_FALSE(run.set_rate(0).empty());
    EXPECT_FALSE(run.set_queue_delay_us(-1).empty());
    run.start();
    auto wait_for = [&](auto pred) {
        for (int i = 0; i < 500 && !pred(*run.snapshot()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pred(*run.snapshot());
    };
    ASSERT_TRUE(wait_for([](const InferSnapshot& s) { return s.totals.completed >= 50; }));
    EXPECT_EQ(run.snapshot()->state, RunState::Running);
    EXPECT_EQ(run.set_max_batch(8), "");
    EXPECT_EQ(run.set_queue_delay_us(2000), "");
    EXPECT_EQ(run.set_rate(8000), "");
    EXPECT_EQ(run.set_concurrency(4), "");  // recorded even in open loop (no effect there)
    ASSERT_TRUE(wait_for([](const InferSnapshot& s) { return s.knob_changes.size() == 4; }));
    const int64_t at_change = run.snapshot()->totals.completed;
    ASSERT_TRUE(wait_for([&](const InferSnapshot& s) { return s.totals.completed >= at_change + 400; }));
    run.stop();
    run.wait();
    const auto s = run.snapshot();
    EXPECT_EQ(s->state, RunState::Stopped);
    EXPECT_EQ(s->max_batch, 8);
    EXPECT_EQ(s->queue_delay_us, 2000);
    EXPECT_EQ(s->rate, 8000);
    EXPECT_EQ(s->knob_changes[0].knob, "max_batch");
    EXPECT_EQ(s->knob_changes[0].old_value, 1);
    EXPECT_EQ(s->knob_changes[0].new_value, 8);
    EXPECT_EQ(s->knob_changes[2].knob, "rate");
    EXPECT_EQ(s->knob_changes[2].new_value, 8000);
    const auto r = run.result();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->completed + r->dropped, r->issued);
    int64_t batched = 0;  // with a 2 ms delay at 8000/s, batches of several requests form
    for (const RequestRecord& q : r->records)
        if (q.id >= s->knob_changes[1].iteration) batched += q.batch_size > 1;
    EXPECT_GT(batched, 0);
    int64_t sum = 0;
    for (size_t k = 0; k < r->batch_sizes.size(); ++k) {
        sum += r->batch_sizes[k] * static_cast<int64_t>(k);
        if (k > 8) {
            EXPECT_EQ(r->batch_sizes[k], 0);
        }
    }
    EXPECT_EQ(sum, r->completed);
    EXPECT_FALSE(s->series.empty());
    EXPECT_FALSE(s->latency_histogram.empty());
}

TEST(InferenceRun, AMissingCheckpointFailsWithItsName) {
    InferConfig c;
    c.checkpoint = "/nonexistent/model.ckpt";
    InferenceRun run(c);
    run.start();
    run.wait();
    EXPECT_EQ(run.snapshot()->state, RunState::Failed);
    EXPECT_NE(run.snapshot()->message.find("/nonexistent/model.ckpt"), std::string::npos);
    EXPECT_THROW(run_inference(c, nullptr), std::runtime_error);
}

TEST(InferenceRun, AServiceThatThrowsFailsTheRun) {
    std::shared_ptr<BatchService> bad = make_synthetic_service([](int64_t batch, int) -> int64_t {
        if (batch == 3) throw std::runtime_error("device lost");
        return 0;
    }, "breaks");
    InferConfig c = config(LoadMode::Closed, 100);
    InferenceRun run(c, bad);
    run.start();
    run.wait();
    EXPECT_EQ(run.snapshot()->state, RunState::Failed);
    EXPECT_NE(run.snapshot()->message.find("device lost"), std::string::npos);
}
