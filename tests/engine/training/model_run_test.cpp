// Training runs with the model stack: a CNN with Adam through a live batch-size change (buffers
// regrown, learning rate scaled by the linear rule), memory accounting in the snapshot, and the
// checkpoint it writes loading as the same model.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/memory_fit.h"
#include "batchscope/engine/training_run.h"
#include "idx_fixture.h"
#include "run_wait.h"

using namespace batchscope::engine;
using namespace std::chrono_literals;

TEST(ModelRun, CnnWithAdamThroughALiveBatchSizeChangeScalesTheRateAndRegrowsBuffers) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 2000, 200);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.model = "cnn:4:fc=16";
    c.optimizer = "adam";
    c.learning_rate = 0.002f;
    c.scale_lr_with_batch = true;
    c.batch_size = 10;
    c.epochs = 30;
    c.checkpoint_path = d.path + "/cnn.ckpt";
    TrainingRun run(c);
    run.start();
    auto s = bs_test::wait_for(run, [](const RunSnapshot& x) { return x.iterations_done >= 3 && x.memory.weights > 0; },
                               20s);
    ASSERT_EQ(s->state, RunState::Running) << s->message;
    EXPECT_EQ(s->model_spec, "cnn:4:fc=16:relu");
    const int64_t params = (4 * 9 + 4) + (4 * 14 * 14 * 16 + 16) + (16 * 10 + 10);
    EXPECT_EQ(s->parameters, params);
    EXPECT_EQ(s->memory.weights, 4 * params);
    EXPECT_EQ(s->memory.optimizer_state, 8 * params);
    EXPECT_NEAR(s->learning_rate, 0.002, 1e-7);
    const int64_t acts_at_10 = s->memory.activations;
    EXPECT_GT(acts_at_10, 0);
    EXPECT_GT(s->memory.batch_buffers, 0);
    EXPECT_EQ(run.set_batch_size(64), "");
    s = bs_test::wait_for(run, [](const RunSnapshot& x) {
        return x.batch_size == 64 && std::fabs(x.learning_rate - 0.0128) < 1e-6 && x.iterations_done > 0;
    }, 20s);
    EXPECT_NEAR(s->learning_rate, 0.002 * 64 / 10, 1e-6);  // linear scaling rule
    s = bs_test::wait_for(run, [&](const RunSnapshot& x) { return x.memory.activations > acts_at_10; }, 20s);
    EXPECT_GE(s->memory.activations, acts_at_10 * 6);  // buffers regrown for 64 samples
    s = bs_test::wait_for(run, [](const RunSnapshot& x) { return x.epochs_done.size() >= 2; }, 60s);
    run.stop();
    run.wait();
    s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Stopped) << s->message;
    ASSERT_GE(s->epochs_done.size(), 2u);
    EXPECT_GT(s->epochs_done[1].test_accuracy, 0.9);  // the fake data is easy
    const LoadedCheckpoint ck = load_checkpoint(c.checkpoint_path);
    EXPECT_EQ(ck.model->spec().canonical(), "cnn:4:fc=16:relu");
    EXPECT_EQ(ck.model->parameter_count(), params);
}

TEST(ModelRun, BadModelOptimizerOrScheduleIsRefusedBeforeLoading) {
    TrainConfig c;
    c.model = "mlp:256:swish";
    EXPECT_NE(validate(c).find("model 'mlp:256:swish'"), std::string::npos) << validate(c);
    c.model = "svm";
    c.optimizer = "lbfgs";
    EXPECT_NE(validate(c).find("optimizer 'lbfgs'"), std::string::npos) << validate(c);
    c.optimizer = "adam";
    c.lr_schedule = "cosine:5";
    EXPECT_NE(validate(c).find("learning-rate schedule"), std::string::npos) << validate(c);
    c.lr_schedule = "step:3:0.5";
    c.weight_decay = -1.f;
    EXPECT_NE(validate(c).find("weight decay"), std::string::npos) << validate(c);
    c.weight_decay = 1e-4f;
    EXPECT_EQ(validate(c), "");
}

TEST(ModelRun, LargestBatchThatFits) {
    EXPECT_EQ(largest_batch_that_fits(1000, 100, 1000 + 100 * 37 + 99), 37);
    EXPECT_EQ(largest_batch_that_fits(1000, 100, 1050), 0);   // not one sample
    EXPECT_EQ(largest_batch_that_fits(1000, 100, 500), 0);    // not even the weights
    EXPECT_EQ(largest_batch_that_fits(0, 1, int64_t{1} << 40), KnobLimits::kMaxBatch);
    EXPECT_EQ(largest_batch_that_fits(0, 0, 1000), 0);
    EXPECT_GT(host_memory_available(), 0);
}

TEST(ModelRun, EvaluationBatchesStayWithin64MiB) {
    EXPECT_EQ(evaluation_batch_size(784), 1000);            // Fashion-MNIST: 3 MB batches
    EXPECT_EQ(evaluation_batch_size(224 * 224 * 3), 111);   // not 1000 x 602 KB
    EXPECT_LE(int64_t{evaluation_batch_size(224 * 224 * 3)} * 224 * 224 * 3 * 4, int64_t{64} << 20);
    EXPECT_EQ(evaluation_batch_size(int64_t{1} << 30), 1);  // at least one sample
    EXPECT_EQ(evaluation_batch_size(0), 1000);
}
