#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "batchscope/engine/training_run.h"
#include "idx_fixture.h"
#include "run_wait.h"

using namespace batchscope::engine;
using namespace std::chrono_literals;

namespace {

template <class P>
std::shared_ptr<const RunSnapshot> wait_for(const TrainingRun& r, P pred, std::chrono::milliseconds timeout = 20s) {
    return bs_test::wait_for(r, pred, timeout);
}

bool ended(const RunSnapshot& s) {
    return s.state == RunState::Finished || s.state == RunState::Stopped || s.state == RunState::Failed;
}

}  // namespace

TEST(TrainingRun, TrainsAndAccountsEveryIteration) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 1200, 300);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.batch_size = 50;
    c.epochs = 2;
    TrainingRun run(c);
    run.start();
    run.wait();
    auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    ASSERT_EQ(s->epochs_done.size(), 2u);
    EXPECT_EQ(s->epochs_done[0].samples, 1200);
    EXPECT_EQ(s->epochs_done[1].iterations, 24);
    EXPECT_GT(s->epochs_done[1].test_accuracy, 0.9);  // the fake data is easy to learn
    EXPECT_LT(s->epochs_done[1].train_loss, s->epochs_done[0].train_loss);
    EXPECT_EQ(s->samples_done, 2400);
    ASSERT_FALSE(s->recent.empty());
    for (const auto& it : s->recent) {
        EXPECT_EQ(it.breakdown.parts_sum(), it.breakdown.wall_ns);
        EXPECT_EQ(it.breakdown.wall_ns, it.end_ns - it.start_ns);
        EXPECT_GT(it.breakdown.compute_ns, 0);
    }
    // The whole-run overview is every iteration's breakdown summed (48 iterations: all in `recent`).
    ASSERT_EQ(s->recent.size(), 48u);
    EXPECT_EQ(s->run_breakdown_iterations, 48);
    batchscope::profiler::Breakdown sum;
    for (const auto& it : s->recent) sum += it.breakdown;
    EXPECT_EQ(s->run_breakdown.wall_ns, sum.wall_ns);
    EXPECT_EQ(s->run_breakdown.compute_ns, sum.compute_ns);
    EXPECT_EQ(s->run_breakdown.data_wait_ns, sum.data_wait_ns);
    EXPECT_EQ(s->run_breakdown.parts_sum(), s->run_breakdown.wall_ns);
}

TEST(TrainingRun, LiveBatchSizeChangeAppliesAtTheNextIteration) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 3000, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.batch_size = 10;
    c.epochs = 20;
    c.prefetch_depth = 8;
    TrainingRun run(c);
    run.start();
    auto s = wait_for(run, [](const RunSnapshot& x) { return x.iterations_done >= 5 || ended(x); });
    ASSERT_EQ(s->state, RunState::Running) << s->message;
    EXPECT_EQ(run.set_batch_size(0).empty(), false);  // refused: out of range
    EXPECT_EQ(run.set_batch_size(64), "");
    EXPECT_EQ(run.set_prefetch_depth(3), "");
    s = wait_for(run, [](const RunSnapshot& x) { return x.batch_size == 64 && x.prefetch_depth == 3; });
    ASSERT_EQ(s->batch_size, 64);
    ASSERT_EQ(s->knob_changes.size(), 2u);
    const KnobChange kc = s->knob_changes[0];
    EXPECT_EQ(kc.knob, "batch_size");
    EXPECT_EQ(kc.old_value, 10);
    EXPECT_EQ(kc.new_value, 64);
    s = wait_for(run, [&](const RunSnapshot& x) { return x.iterations_done > kc.iteration + 3; });
    run.stop();
    run.wait();
    s = run.snapshot();
    for (const auto& it : s->recent) {
        if (it.iteration < kc.iteration) {
            EXPECT_EQ(it.batch_size, 10);
        }
        // Later batches are 64, except the last of an epoch (what remains).
        if (it.iteration >= kc.iteration) {
            EXPECT_LE(it.batch_size, 64);
        }
    }
    // Every finished epoch still saw all 3000 samples exactly once (counted by the loader).
    for (const auto& e : s->epochs_done)
        if (e.test_accuracy >= 0) {
            EXPECT_EQ(e.samples, 3000);
        }
}

// A deep prefetch queue's buffers are given back when the depth is lowered live (they are page-
// locked on a GPU run): the loader's batch memory falls to what the new depth can use.
TEST(TrainingRun, LoweringThePrefetchDepthGivesItsBatchBuffersBack) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 3000, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.batch_size = 50;
    c.epochs = 50;
    c.workers = 2;
    c.prefetch_depth = 32;
    TrainingRun run(c);
    run.start();
    const int64_t per_batch = 50 * (28 * 28 * 4 + 4);
    // The deep queue fills: well over 20 batches' buffers.
    auto s = wait_for(run, [&](const RunSnapshot& x) { return x.memory.batch_buffers > 20 * per_batch || ended(x); });
    ASSERT_EQ(s->state, RunState::Running) << s->message;
    ASSERT_EQ(run.set_prefetch_depth(1), "");
    // Depth 1 + 2 workers + 1 held + 2 spare = 6 batches kept, and the compute input (one batch
    // of floats) besides; the buffers of the deeper queue drain as it is consumed.
    s = wait_for(run, [&](const RunSnapshot& x) { return x.memory.batch_buffers <= 7 * per_batch || ended(x); });
    EXPECT_EQ(s->state, RunState::Running) << s->message;
    EXPECT_LE(s->memory.batch_buffers, 7 * per_batch);
    run.stop();
    run.wait();
}

// Before the run the model's forward pass is timed at the batch size and at four times it, and
// again after a batch-size change; training is bit-for-bit the same with the probe as without it.
TEST(TrainingRun, ComputeProbeTimesTheBatchAndFourTimesItWithoutChangingTraining) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 640, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.model = "mlp:64:relu:dropout=0.2";  // dropout: training draws from the model's random state
    c.batch_size = 16;
    c.workers = 1;
    c.epochs = 2;
    std::vector<double> losses[2];
    for (bool probe : {true, false}) {
        c.compute_probe = probe;
        TrainingRun run(c);
        run.start();
        run.wait();
        const auto s = run.snapshot();
        ASSERT_EQ(s->state, RunState::Finished) << s->message;
        for (const auto& e : s->epochs_done) losses[probe].push_back(e.train_loss);
        if (probe) {
            ASSERT_EQ(s->compute_profile.size(), 2u);
            EXPECT_EQ(s->compute_profile[0].batch, 16);
            EXPECT_EQ(s->compute_profile[1].batch, 64);
            EXPECT_GT(s->compute_profile[0].ns, 0);
            EXPECT_GT(s->compute_profile[1].ns, 0);
        } else {
            EXPECT_TRUE(s->compute_profile.empty());
        }
    }
    ASSERT_EQ(losses[1].size(), 2u);
    EXPECT_EQ(losses[1], losses[0]);  // exactly: the probe touched neither weights nor random state

    c.compute_probe = true;
    c.epochs = 50;
    TrainingRun run(c);
    run.start();
    auto s = wait_for(run, [](const RunSnapshot& x) { return x.iterations_done >= 3 || ended(x); });
    ASSERT_EQ(s->state, RunState::Running) << s->message;
    EXPECT_EQ(run.set_batch_size(32), "");
    s = wait_for(run, [](const RunSnapshot& x) { return x.compute_profile.size() >= 4 || ended(x); });
    run.stop();
    run.wait();
    ASSERT_EQ(s->compute_profile.size(), 4u);  // 16 and 64 before the run, 32 and 128 after the change
    EXPECT_EQ(s->compute_profile[0].batch, 16);
    EXPECT_EQ(s->compute_profile[1].batch, 32);
    EXPECT_EQ(s->compute_profile[2].batch, 64);
    EXPECT_EQ(s->compute_profile[3].batch, 128);
}

TEST(TrainingRun, WorkerChangeAndPauseResume) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 2000, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.batch_size = 8;
    c.epochs = 50;
    TrainingRun run(c);
    run.start();
    wait_for(run, [](const RunSnapshot& x) { return x.iterations_done >= 3; });
    run.pause();
    auto s = wait_for(run, [](const RunSnapshot& x) { return x.state == RunState::Paused; });
    ASSERT_EQ(s->state, RunState::Paused);
    const int64_t at = s->iterations_done;
    EXPECT_EQ(run.set_workers(0), "");  // applies while paused
    s = wait_for(run, [](const RunSnapshot& x) { return x.workers == 0; });
    EXPECT_EQ(s->workers, 0);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(run.snapshot()->iterations_done, at);
    run.resume();
    s = wait_for(run, [&](const RunSnapshot& x) { return x.iterations_done > at + 10; });
    EXPECT_GT(s->iterations_done, at + 10);
    run.stop();
    run.wait();
    EXPECT_EQ(run.snapshot()->state, RunState::Stopped);
}

TEST(TrainingRun, MissingDataFailsWithAClearMessage) {
    TrainConfig c;
    c.data_dir = "/nonexistent/fashion";
    TrainingRun run(c);
    run.start();
    run.wait();
    auto s = run.snapshot();
    EXPECT_EQ(s->state, RunState::Failed);
    EXPECT_NE(s->message.find("/nonexistent/fashion"), std::string::npos) << s->message;
}

TEST(TrainingRun, DestroyingARunningRunStopsIt) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 2000, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.epochs = 1000;
    auto run = std::make_unique<TrainingRun>(c);
    run->start();
    wait_for(*run, [](const RunSnapshot& x) { return x.iterations_done > 0; });
    run.reset();  // must not hang
    SUCCEED();
}
