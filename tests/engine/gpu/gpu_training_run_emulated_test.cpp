// A whole training run on the CUDA backend, checked WITHOUT a GPU: BATCHSCOPE_GPU_PLUGIN points
// at the fake plugin whose compute table runs host-emulated kernels (labelled emulated; it checks
// the wiring: backend choice, staging, live batch growth, checkpoints, the refusals), against
// the same run on the CPU. With BS_USE_REAL_PLUGIN=1 the same tests run on the real plugin and a
// GPU (tests/engine/gpu/run_device_checks.sh does that on a GPU machine).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/training_run.h"
#include "emulated_training.h"
#include "idx_fixture.h"
#include "run_wait.h"
#include "staged_batch_hold.h"

using namespace batchscope::engine;

namespace {

class EmulatedGpu : public bs_test::EmulatedTraining {};

}  // namespace

TEST_F(EmulatedGpu, TrainsLikeTheCpuBackend) {
    const auto cpu = train(config("cpu"));
    const auto gpu = train(config("cuda"));
    ASSERT_EQ(cpu->state, RunState::Finished) << cpu->message;
    ASSERT_EQ(gpu->state, RunState::Finished) << gpu->message;
    EXPECT_NE(gpu->backend.find("CUDA"), std::string::npos) << gpu->backend;
    ASSERT_EQ(gpu->epochs_done.size(), 1u);
    EXPECT_EQ(gpu->epochs_done[0].samples, 600);
    // Same initialisation, same batches, same math: the losses agree to float rounding.
    const double a = cpu->epochs_done[0].train_loss, b = gpu->epochs_done[0].train_loss;
    EXPECT_NEAR(a, b, 1e-3 * std::max(1.0, std::abs(a)));
    EXPECT_NEAR(cpu->epochs_done[0].test_accuracy, gpu->epochs_done[0].test_accuracy, 0.02);
    // This fake plugin has no CUPTI collector (BS_FAKE_CUPTI unset): GPU phases are timed with
    // CUDA events, and the reason is said (gpu_training_cupti_emulated_test.cpp has CUPTI).
    EXPECT_EQ(cpu->gpu_timing.mode, batchscope::profiler::GpuTimingMode::None);
    EXPECT_TRUE(cpu->device.name.empty());
    // The compute probe times the CPU model's forward pass at 50 and 200; a GPU model is not timed
    // (its predict() runs on the host mirror): the verdict keeps its lower bound, the run is unharmed.
    ASSERT_EQ(cpu->compute_profile.size(), 2u);
    EXPECT_EQ(cpu->compute_profile[1].batch, 200);
    EXPECT_TRUE(gpu->compute_profile.empty());
    if (!std::getenv("BS_USE_REAL_PLUGIN")) {
        EXPECT_EQ(gpu->gpu_timing.mode, batchscope::profiler::GpuTimingMode::CudaEvents);
        EXPECT_NE(gpu->gpu_timing.reason.find("no CUPTI collector"), std::string::npos) << gpu->gpu_timing.reason;
    }
    ASSERT_FALSE(gpu->recent.empty());
    for (const auto& it : gpu->recent) {
        EXPECT_EQ(it.breakdown.parts_sum(), it.breakdown.wall_ns);
        // Pipelined: the next batch's staging where compute does not cover it; the epoch's last
        // iteration stages none. On a GPU the staging may be hidden: only the first iteration (its
        // own batch staged before any kernel) is sure to have some.
        if (std::getenv("BS_USE_REAL_PLUGIN") ? it.iteration == 0 : it.iteration < 11) {
            EXPECT_GT(it.breakdown.h2d_ns, 0) << it.iteration;
        }
    }
}

// A live batch-size change while the next batch is already staged (pipelined): that batch trains
// at the old size, the rebuilt loader starts after it, the buffers regrow for the larger size
// while a step is under way; every epoch still trains each sample once. Both GPU paths.
TEST_F(EmulatedGpu, ABatchSizeChangeMidPipelineLosesAndRepeatsNothing) {
    for (const char* model : {"mlp:32,16", "mlp:32,16:gelu"}) {
        SCOPED_TRACE(model);
        TrainConfig c = config("cuda");
        c.model = model;
        c.epochs = 1000;  // runs until stopped below: the change lands mid-run however fast the machine is
        TrainingRun run(c);
        run.start();
        bs_test::wait_for(run, [](const RunSnapshot& s) { return s.iterations_done >= 2 || s.state == RunState::Failed; },
                          std::chrono::seconds(60));
        EXPECT_EQ(run.set_batch_size(120), "");
        // Until an iteration trained at the new size, then until the epoch it fell in is complete.
        const auto changed = bs_test::wait_for(
            run,
            [](const RunSnapshot& s) {
                return s.state == RunState::Failed || (!s.recent.empty() && s.recent.back().batch_size == 120);
            },
            std::chrono::seconds(60));
        const size_t epoch_of_change = static_cast<size_t>(changed->epoch);
        bs_test::wait_for(
            run,
            [&](const RunSnapshot& s) { return s.state == RunState::Failed || s.epochs_done.size() >= epoch_of_change + 1; },
            std::chrono::seconds(60));
        run.stop();
        run.wait();
        const auto s = run.snapshot();
        ASSERT_NE(s->state, RunState::Failed) << s->message;
        ASSERT_GE(s->epochs_done.size(), epoch_of_change + 1);
        // Each sample once per epoch; the last epoch was cut short by the stop (partial: fewer).
        for (size_t i = 0; i + 1 < s->epochs_done.size(); ++i)
            EXPECT_EQ(s->epochs_done[i].samples, 600) << "epoch " << s->epochs_done[i].epoch;
        EXPECT_LE(s->epochs_done.back().samples, 600);
        EXPECT_EQ(s->batch_size, 120);
        for (const auto& it : s->recent) EXPECT_EQ(it.breakdown.parts_sum(), it.breakdown.wall_ns);
        // The marker names the first iteration that trained at the new size (a staged batch keeps the old one).
        ASSERT_FALSE(s->knob_changes.empty());
        const auto& k = s->knob_changes.back();
        EXPECT_EQ(k.knob, "batch_size");
        for (size_t i = 0; i < s->recent.size(); ++i) {
            const auto& it = s->recent[i];
            // Where the change lands near an epoch's end, that epoch's remainder is a smaller batch.
            const bool epoch_last = i + 1 < s->recent.size() && s->recent[i + 1].epoch != it.epoch;
            if (it.iteration < k.iteration) {
                EXPECT_EQ(it.batch_size, 50) << "iteration " << it.iteration;
            } else if (it.iteration == k.iteration && !epoch_last) {
                EXPECT_EQ(it.batch_size, 120) << "iteration " << it.iteration;
            }
        }
    }
}

TEST_F(EmulatedGpu, LiveBatchGrowthAndCheckpoint) {
    TrainConfig c = config("cuda");
    // Enough epochs that the model learns whatever iteration the batch change lands on (it is
    // timing-dependent: with 3 epochs a late change left the accuracy at 0.5 on a busy machine).
    c.epochs = 6;
    c.checkpoint_path = d.file("gpu.ckpt");
    TrainingRun run(c);
    run.start();
    bs_test::wait_for(run, [](const RunSnapshot& s) { return s.iterations_done >= 2 || s.state == RunState::Failed; },
                      std::chrono::seconds(60));
    EXPECT_EQ(run.set_batch_size(120), "");  // larger than the device buffers: they regrow
    run.wait();
    const auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_EQ(s->batch_size, 120);
    EXPECT_GT(s->epochs_done.back().test_accuracy, 0.6);
    EXPECT_GT(s->epochs_done.back().test_accuracy, s->epochs_done.front().test_accuracy);
    // The checkpoint holds the device's trained weights, read back: a CPU model of the same spec.
    const auto loaded = load_checkpoint(c.checkpoint_path);
    ASSERT_TRUE(loaded.model);
    EXPECT_EQ(loaded.model->parameter_count(), 784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10);
    float sum = 0;
    for (const auto& t : loaded.model->parameters())
        for (float v : t.values) sum += std::abs(v);
    EXPECT_GT(sum, 0.f);
}

// A stop while the next batch is staged (pipelined): that batch is forgotten, not trained; the
// epoch is partial (not evaluated) and counts only the samples trained.
TEST_F(EmulatedGpu, AStopForgetsTheStagedBatch) {
    TrainConfig c = config("cuda");
    c.epochs = 50;
    TrainingRun run(c);
    run.start();
    bs_test::wait_for(run, [](const RunSnapshot& s) { return s.iterations_done >= 3 || s.state == RunState::Failed; },
                      std::chrono::seconds(60));
    run.stop();
    run.wait();
    const auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Stopped) << s->message;
    ASSERT_FALSE(s->epochs_done.empty());
    if (s->iterations_done == static_cast<int64_t>(s->recent.size())) {  // all of them still in `recent`
        int64_t trained = 0;
        for (const auto& it : s->recent) trained += it.batch_size;
        EXPECT_EQ(s->samples_done, trained);
    }
    const auto& last = s->epochs_done.back();
    EXPECT_EQ(static_cast<int64_t>(last.epoch - 1) * 600 + last.samples, s->samples_done);
    if (last.samples < 600) {
        EXPECT_EQ(last.test_accuracy, -1) << "a partial epoch is not evaluated";
    }
    EXPECT_LE(s->epoch_progress, 1.0);
}

// Models beyond the plain ReLU MLP train as the layer stack on the GPU layer backend, like the
// same run on the CPU; the checkpoint loads on the CPU.
TEST_F(EmulatedGpu, CnnWithAdamTrainsLikeTheCpuBackend) {
    TrainConfig c = config("cpu");
    c.model = "cnn:4:fc=16:gelu:dropout=0.2";
    c.optimizer = "adam";
    c.learning_rate = 0.002f;
    const auto cpu = train(c);
    c.backend = "cuda";
    c.checkpoint_path = d.file("cnn.ckpt");
    const auto gpu = train(c);
    ASSERT_EQ(cpu->state, RunState::Finished) << cpu->message;
    ASSERT_EQ(gpu->state, RunState::Finished) << gpu->message;
    EXPECT_NE(gpu->backend.find("layer stack"), std::string::npos) << gpu->backend;
    const double a = cpu->epochs_done[0].train_loss, b = gpu->epochs_done[0].train_loss;
    EXPECT_NEAR(a, b, 1e-3 * std::max(1.0, std::abs(a)));
    EXPECT_NEAR(cpu->epochs_done[0].test_accuracy, gpu->epochs_done[0].test_accuracy, 0.02);
    EXPECT_EQ(gpu->gpu_timing.mode, batchscope::profiler::GpuTimingMode::CudaEvents);
    const auto loaded = load_checkpoint(c.checkpoint_path);
    ASSERT_TRUE(loaded.model);
    EXPECT_EQ(loaded.model->describe(), gpu->model);
}

TEST_F(EmulatedGpu, RefusalsSayWhyAndWhatToDo) {
    std::shared_ptr<const RunSnapshot> s;
    setenv("BATCHSCOPE_GPU_PLUGIN", "/nonexistent/libbatchscope_cuda.so", 1);
    s = train(config("cuda"));
    EXPECT_EQ(s->state, RunState::Failed);
    EXPECT_NE(s->message.find("GPU unavailable"), std::string::npos) << s->message;
    EXPECT_NE(s->message.find("backend cpu"), std::string::npos) << s->message;

    TrainConfig tf32 = config("cpu");
    tf32.tf32 = true;
    EXPECT_NE(validate(tf32).find("TF32"), std::string::npos);
    TrainConfig other = config("opencl");
    EXPECT_NE(validate(other).find("cpu, cuda"), std::string::npos);
}

// The tuned MLP path out of device memory: a clear error with the largest batch that should fit,
// and that batch then trains.
TEST_F(EmulatedGpu, OutOfDeviceMemoryNamesABatchThatFits) {
    setenv("BS_FAKE_DEVICE_BYTES", "400000", 1);  // the fake device: 400 kB
    TrainConfig c = config("cuda");
    c.batch_size = 4096;
    const auto s = train(c);
    ASSERT_EQ(s->state, RunState::Failed);
    const std::string key = "the largest batch size that should fit is ";
    const size_t at = s->message.find(key);
    ASSERT_NE(at, std::string::npos) << s->message;
    EXPECT_NE(s->message.find("out of GPU memory at batch size 4096"), std::string::npos) << s->message;
    const int fit = std::stoi(s->message.substr(at + key.size()));
    ASSERT_GT(fit, 0);
    ASSERT_LT(fit, 4096);
    c.batch_size = fit;
    const auto t = train(c);
    EXPECT_EQ(t->state, RunState::Finished) << t->message;
}

// Out of device memory staging a larger batch while a step is under way (a live batch-size
// change): the step under way is still recorded, then the run fails with the advice; nothing
// recorded before is lost. Both GPU paths.
TEST_F(EmulatedGpu, OutOfDeviceMemoryMidPipelineKeepsWhatWasDone) {
    if (std::getenv("BS_USE_REAL_PLUGIN")) GTEST_SKIP() << "uses the fake device's size";
    setenv("BS_FAKE_DEVICE_BYTES", "1500000", 1);  // batch 50 fits (both paths), 450 or 600 do not
    for (const char* model : {"mlp:32,16", "mlp:32,16:gelu"}) {
        SCOPED_TRACE(model);
        TrainConfig c = config("cuda");
        c.model = model;
        c.epochs = 1000;  // the change (and its failure) lands mid-run however fast the machine is
        TrainingRun run(c);
        run.start();
        bs_test::wait_for(run, [](const RunSnapshot& s) { return s.iterations_done >= 2 || s.state == RunState::Failed; },
                          std::chrono::seconds(60));
        EXPECT_EQ(run.set_batch_size(600), "");
        run.wait();
        const auto s = run.snapshot();
        ASSERT_EQ(s->state, RunState::Failed) << s->message;
        EXPECT_NE(s->message.find("out of GPU memory at batch size "), std::string::npos) << s->message;
        EXPECT_NE(s->message.find("the largest batch size that should fit is "), std::string::npos) << s->message;
        EXPECT_GE(s->iterations_done, 2);
        EXPECT_EQ(static_cast<int64_t>(s->recent.size()), s->iterations_done);  // every iteration done is recorded
        EXPECT_EQ(s->recent.front().batch_size, 50);
    }
}

// The loader's batches are page-locked memory of the model's GPU backend: they go up straight from
// there, with no copy on the host into the model's staging slots (host_staging_bytes stays 0).
// pinned_memory off: pageable batches, each copied into a slot first (counted). Same batches, same
// math: the same losses to the bit, for both GPU paths (the tuned MLP and the layer stack).
TEST_F(EmulatedGpu, PageLockedBatchesGoUpWithNoHostCopyAndTrainTheSame) {
    for (const char* model : {"mlp:32,16", "mlp:32,16:gelu"}) {
        SCOPED_TRACE(model);
        TrainConfig c = config("cuda");
        c.model = model;
        const auto pinned = train(c);
        c.pinned_memory = false;
        const auto pageable = train(c);
        ASSERT_EQ(pinned->state, RunState::Finished) << pinned->message;
        ASSERT_EQ(pageable->state, RunState::Finished) << pageable->message;
        EXPECT_TRUE(pinned->pinned_memory);
        EXPECT_FALSE(pageable->pinned_memory);
        EXPECT_EQ(pinned->device.host_staging_bytes, 0);
        // 12 batches of 50: 784 floats and a label each.
        EXPECT_EQ(pageable->device.host_staging_bytes, 12 * 50 * (784 + 1) * 4);
        ASSERT_EQ(pinned->epochs_done.size(), 1u);
        ASSERT_EQ(pageable->epochs_done.size(), 1u);
        EXPECT_EQ(pinned->epochs_done[0].train_loss, pageable->epochs_done[0].train_loss);
    }
}

// 8-bit batches (the loader's pixels) go up as bytes and become floats on the device (collate_u8,
// the host Collator's bits), on both GPU paths (the tuned MLP and the layer stack): the run trains
// exactly as one whose loader made the floats, page-locked or not.
TEST_F(EmulatedGpu, EightBitBatchesConvertOnTheDeviceAndTrainLikeFloatBatches) {
    for (const char* model : {"mlp:32,16", "mlp:32,16:gelu", "cnn:2:fc=8"}) {
        SCOPED_TRACE(model);
        TrainConfig c = config("cuda");
        c.model = model;
        const auto floats = train(c);
        c.uint8_batches = true;
        const auto bytes = train(c);
        c.pinned_memory = false;
        const auto bytes_pageable = train(c);
        for (const auto* s : {floats.get(), bytes.get(), bytes_pageable.get()}) {
            ASSERT_EQ(s->state, RunState::Finished) << s->message;
            ASSERT_EQ(s->epochs_done.size(), 1u);
        }
        EXPECT_EQ(bytes->epochs_done[0].train_loss, floats->epochs_done[0].train_loss);
        EXPECT_EQ(bytes_pageable->epochs_done[0].train_loss, floats->epochs_done[0].train_loss);
        EXPECT_EQ(bytes->device.host_staging_bytes, 0);
        EXPECT_EQ(bytes_pageable->device.host_staging_bytes, 12 * 50 * (784 + 4));  // a byte a pixel, 4 a label
        // The trace's h2d staging events carry the bytes the uploads move: a byte a pixel.
        int staged = 0;
        for (const auto& ev : bytes->events.to_vector())
            if (ev.phase == batchscope::profiler::Phase::H2D && ev.bytes > 0) {
                EXPECT_EQ(ev.bytes, 50u * 784u) << "iteration " << ev.id;
                ++staged;
            }
        EXPECT_GT(staged, 0);
    }
}

// The loop holds a staged batch (its page-locked buffer) until the step that trains it has
// finished: its upload reads the buffer until then. Under the strict fake (asynchronous streams,
// uploads slower than the steps, as on a GPU whose step is shorter than its batch's upload), the
// held run passes; with the hold removed (the test hook gives each buffer back to the loader as
// soon as its batch is staged), the loader rewrites a buffer whose upload has not run, and the
// fake catches it.
TEST_F(EmulatedGpu, AStagedBatchGivenBackBeforeItsStepFinishedIsCaught) {
    if (std::getenv("BS_USE_REAL_PLUGIN")) GTEST_SKIP() << "needs the fake plugin's strict mode";
    const char* old_seed = std::getenv("BS_FAKE_STRICT");
    const std::string keep_seed = old_seed ? old_seed : "";
    setenv("BS_FAKE_STRICT", "5", 1);
    setenv("BS_FAKE_STRICT_COPY_US", "3000", 1);  // each upload 3 ms: longer than a step here
    struct Restore {
        std::string seed;
        ~Restore() {
            batchscope::engine::testing_hooks::release_staged_batches_early = false;
            unsetenv("BS_FAKE_STRICT_COPY_US");
            if (seed.empty()) unsetenv("BS_FAKE_STRICT");
            else setenv("BS_FAKE_STRICT", seed.c_str(), 1);
        }
    } restore{keep_seed};
    const TrainConfig c = config("cuda");  // batches built in the training thread, as it asks for them
    const auto held = train(c);
    ASSERT_EQ(held->state, RunState::Finished) << held->message;
    EXPECT_EQ(held->device.host_staging_bytes, 0);  // page-locked: uploaded straight from the batches

    batchscope::engine::testing_hooks::release_staged_batches_early = true;
    const auto released = train(c);
    EXPECT_EQ(released->state, RunState::Failed);
    EXPECT_NE(released->message.find("page-locked host memory changed before the upload that reads it ran"),
              std::string::npos)
        << released->message;
}

// Page-locked memory runs out sooner than pageable memory. A batch buffer that cannot be
// page-locked (here: the fake's page-locked budget holds the model's own buffers, not a batch) ends
// the run with a clear error naming the reason and the way out, never a crash; the same run with
// pinned_memory off trains.
TEST_F(EmulatedGpu, PageLockedMemoryRunningOutIsAClearErrorAndPageableBatchesStillTrain) {
    if (std::getenv("BS_USE_REAL_PLUGIN")) GTEST_SKIP() << "the fake's page-locked budget";
    setenv("BS_FAKE_PINNED_BYTES", "420000", 1);  // the model's two staging slots (314 kB) fit; a batch (157 kB) does not
    struct Restore {
        ~Restore() { unsetenv("BS_FAKE_PINNED_BYTES"); }
    } restore;
    TrainConfig c = config("cuda");
    for (const int workers : {0, 2}) {  // built in the training thread, or in the loader's (its error travels with the batch)
        SCOPED_TRACE(std::to_string(workers) + " workers");
        c.workers = workers;
        const auto s = train(c);
        EXPECT_EQ(s->state, RunState::Failed);
        EXPECT_NE(s->message.find("out of memory at batch size 50"), std::string::npos) << s->message;
        EXPECT_NE(s->message.find("out of page-locked host memory"), std::string::npos) << s->message;
        EXPECT_NE(s->message.find("--no-pinned-memory"), std::string::npos) << s->message;
    }
    c.pinned_memory = false;
    const auto pageable = train(c);
    EXPECT_EQ(pageable->state, RunState::Finished) << pageable->message;
}

// A plugin built before it promised page-locked allocations from any thread: the loader's workers
// must not allocate through it, so the batches stay pageable and are copied into the model's
// page-locked slots (counted), and the snapshot says pinned_memory is off.
TEST_F(EmulatedGpu, AnOlderPluginKeepsBatchesPageable) {
    if (std::getenv("BS_USE_REAL_PLUGIN")) GTEST_SKIP() << "the fake's older table";
    setenv("BS_FAKE_HOST_ANY_THREAD", "0", 1);
    struct Restore {
        ~Restore() { unsetenv("BS_FAKE_HOST_ANY_THREAD"); }
    } restore;
    const auto s = train(config("cuda"));
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_FALSE(s->pinned_memory);
    EXPECT_EQ(s->device.host_staging_bytes, 12 * 50 * (784 + 1) * 4);
}

// The tuned MLP's 8-bit input buffers are allocated with the first 8-bit batch: a device that
// holds the model but not them ends the run with the out-of-memory advice (counting them), whose
// batch size then trains.
TEST_F(EmulatedGpu, EightBitInputBuffersOutOfDeviceMemoryNameABatchThatFits) {
    // The model's buffers at batch 50 (784-32-16-10: 658 kB) fit; its two 8-bit inputs (78 kB) do not.
    setenv("BS_FAKE_DEVICE_BYTES", "680000", 1);
    TrainConfig c = config("cuda");
    c.uint8_batches = true;
    const auto s = train(c);
    ASSERT_EQ(s->state, RunState::Failed);
    EXPECT_NE(s->message.find("out of GPU memory at batch size 50"), std::string::npos) << s->message;
    const std::string key = "the largest batch size that should fit is ";
    const size_t at = s->message.find(key);
    ASSERT_NE(at, std::string::npos) << s->message;
    const int fit = std::stoi(s->message.substr(at + key.size()));
    ASSERT_GT(fit, 0);
    ASSERT_LT(fit, 50);
    c.batch_size = fit;
    const auto t = train(c);
    EXPECT_EQ(t->state, RunState::Finished) << t->message;
}
