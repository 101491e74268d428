// CUPTI records feeding a training run on the CUDA backend, checked WITHOUT a GPU: the fake
// plugin's fake CUPTI collector (fake_cupti.h, EMULATED) records its host-emulated kernels and
// copies with the external ids the run pushes. Checks the stream-lane events, the per-iteration
// breakdown built from them, RunSnapshot::device, dropped records, and the fallback to CUDA
// events when CUPTI refuses. With BS_USE_REAL_PLUGIN=1 the first test runs on the real plugin
// and a GPU (tests/engine/gpu/run_device_checks.sh); the others need the fake's switches and skip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <map>
#include <vector>

#include "batchscope/engine/training_run.h"
#include "emulated_training.h"
#include "idx_fixture.h"
#include "run_wait.h"

using namespace batchscope::engine;
using batchscope::profiler::Event;
using batchscope::profiler::GpuTimingMode;
using batchscope::profiler::LaneKind;
using batchscope::profiler::Phase;

namespace {

bool real_plugin() { return std::getenv("BS_USE_REAL_PLUGIN") != nullptr; }
// The fake plugin's strict mode: its streams run asynchronously, as a GPU's do.
bool async_streams() { return real_plugin() || std::getenv("BS_FAKE_STRICT") != nullptr; }

class EmulatedCupti : public bs_test::EmulatedTraining {
protected:
    void SetUp() override {
        EmulatedTraining::SetUp();
        setenv("BS_FAKE_CUPTI", "on", 1);
    }
    void TearDown() override {
        for (const char* v : {"BS_FAKE_CUPTI", "BS_FAKE_CUPTI_LAG_MS", "BS_FAKE_CUPTI_DROP_EVERY", "BS_FAKE_CUPTI_KINDS"})
            unsetenv(v);
        EmulatedTraining::TearDown();
    }
    TrainConfig config() const { return EmulatedTraining::config("cuda"); }
};

bool stream_lane(const Event& e) { return e.lane.kind == LaneKind::CopyStream || e.lane.kind == LaneKind::ComputeStream; }

// Union length of the intervals, clipped to [lo, hi).
int64_t union_ns(std::vector<std::pair<int64_t, int64_t>> v, int64_t lo, int64_t hi) {
    std::sort(v.begin(), v.end());
    int64_t total = 0, cur_s = 0, cur_e = 0;
    bool open = false;
    for (auto [s, e] : v) {
        s = std::max(s, lo), e = std::min(e, hi);
        if (e <= s) continue;
        if (open && s <= cur_e) cur_e = std::max(cur_e, e);
        else {
            if (open) total += cur_e - cur_s;
            cur_s = s, cur_e = e, open = true;
        }
    }
    return total + (open ? cur_e - cur_s : 0);
}

// The checks every CUPTI-timed run passes (emulated or real).
void expect_cupti_fed(const RunSnapshot& s, int64_t iterations) {
    ASSERT_EQ(s.state, RunState::Finished) << s.message;
    ASSERT_EQ(s.gpu_timing.mode, GpuTimingMode::Cupti) << s.gpu_timing.describe();
    EXPECT_NE(s.gpu_timing.describe().find("CUPTI"), std::string::npos);
    ASSERT_EQ(s.iterations_done, iterations);

    // GPU events on copy and compute stream lanes, tagged with the iteration they belong to.
    std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> kernels;  // iteration -> compute intervals
    std::map<int64_t, int> h2d, d2h;
    s.events.for_each([&](const Event& e) {
        if (!stream_lane(e)) return;
        if (e.phase == Phase::H2D) {
            EXPECT_EQ(e.lane.kind, LaneKind::CopyStream);
            if (e.id >= 0) ++h2d[e.id];
        } else if (e.phase == Phase::D2H) {
            EXPECT_EQ(e.lane.kind, LaneKind::CopyStream);
            if (e.id >= 0) ++d2h[e.id];
        } else {
            EXPECT_EQ(e.phase, Phase::Compute);
            EXPECT_EQ(e.lane.kind, LaneKind::ComputeStream);
            if (e.id >= 0) kernels[e.id].emplace_back(e.start_ns, e.end_ns);
        }
        EXPECT_LT(e.id, iterations);
    });
    for (int64_t i = 0; i < iterations; ++i) {
        EXPECT_GE(h2d[i], 2) << "iteration " << i;  // the batch and its labels
        EXPECT_EQ(d2h[i], 1) << "iteration " << i;  // the loss
        EXPECT_FALSE(kernels[i].empty()) << "iteration " << i;
    }

    // Each iteration's breakdown from those records: compute is the union of its kernels; the
    // parts sum to the wall time.
    // Pipelined: an iteration's h2d is the next batch's staging where compute does not cover it (and
    // the part of its own upload it waited for); the epoch's last iteration stages nothing and its
    // upload ran during the one before. The synchronous fake's kernels run inside the launch, so the
    // staging is never covered; on a GPU or the strict fake it may be (hidden): there only the first
    // iteration, which stages its own batch before any kernel, is sure to have some.
    ASSERT_EQ(static_cast<int64_t>(s.recent.size()), iterations);
    for (const IterationRecord& r : s.recent) {
        const auto& b = r.breakdown;
        EXPECT_EQ(b.parts_sum(), b.wall_ns) << "iteration " << r.iteration;
        EXPECT_EQ(b.wall_ns, r.end_ns - r.start_ns);
        EXPECT_EQ(b.compute_ns, union_ns(kernels[r.iteration], r.start_ns, r.end_ns)) << "iteration " << r.iteration;
        if (async_streams() ? r.iteration == 0 : r.iteration + 1 < iterations) {
            EXPECT_GT(b.h2d_ns, 0) << "iteration " << r.iteration;
        }
        EXPECT_GT(b.d2h_ns, 0);
        EXPECT_GE(b.host_ns, 0);
    }
    const auto& mean = s.epochs_done.at(0).mean_breakdown;
    EXPECT_GT(mean.compute_ns, 0);
    EXPECT_GT(mean.d2h_ns, 0);

    // The device view: kernel and copy tables over the run, the records' count, memory.
    EXPECT_FALSE(s.device.name.empty());
    EXPECT_GT(s.device.memory_total, 0);
    EXPECT_GT(s.device.memory_run, 0);
    EXPECT_LE(s.device.memory_free, s.device.memory_total);
    ASSERT_FALSE(s.device.kernels.empty());
    for (size_t i = 1; i < s.device.kernels.size(); ++i)
        EXPECT_GE(s.device.kernels[i - 1].total_ns, s.device.kernels[i].total_ns);
    bool htod = false, dtoh = false;
    for (const auto& c : s.device.copies) {
        htod |= c.direction == batchscope::profiler::CopyDirection::HtoD && c.pinned && c.calls >= 2 * iterations;
        dtoh |= c.direction == batchscope::profiler::CopyDirection::DtoH && c.calls >= iterations;
    }
    EXPECT_TRUE(htod);
    EXPECT_TRUE(dtoh);
    EXPECT_GT(s.device.cupti_records, 0u);
}

}  // namespace

TEST_F(EmulatedCupti, RecordsFeedTheLanesTheBreakdownAndTheDeviceView) {
    const auto s = train(config());
    if (real_plugin() && s->gpu_timing.mode == GpuTimingMode::CudaEvents)
        GTEST_SKIP() << "CUPTI did not start on this machine: " << s->gpu_timing.reason;
    expect_cupti_fed(*s, 12);
    if (real_plugin()) return;
    EXPECT_EQ(s->device.name, "Fake GPU (host memory)");
    EXPECT_EQ(s->device.memory_total, 200000000);
    EXPECT_EQ(s->device.memory_free + s->device.memory_run, s->device.memory_total);
    EXPECT_EQ(s->device.cupti_dropped, 0u);
    EXPECT_EQ(s->message, "finished");
    // 784-32-16-10: 3 forward GEMMs, 3 weight-gradient GEMMs, 2 input-gradient GEMMs per step,
    // and 3 forward GEMMs per evaluated batch (200 test samples in batches of up to 50... at least one).
    const auto k = std::find_if(s->device.kernels.begin(), s->device.kernels.end(),
                                [](const auto& r) { return r.name == "fake_sgemm"; });
    ASSERT_NE(k, s->device.kernels.end());
    EXPECT_GE(k->calls, 12 * 8 + 3);
    EXPECT_GE(k->max_ns, 1);
}

// The layer stack (every model but the plain ReLU MLP with SGD) is tagged too. It reads its loss
// back before the backward pass (a copy tagged compute), and the backward kernels still join
// their iteration: none late, none without records.
TEST_F(EmulatedCupti, TheLayerStackIsTracedLikeTheTunedMlp) {
    TrainConfig c = config();
    c.model = "mlp:32,16:gelu";
    const auto s = train(c);
    if (real_plugin() && s->gpu_timing.mode == GpuTimingMode::CudaEvents)
        GTEST_SKIP() << "CUPTI did not start on this machine: " << s->gpu_timing.reason;
    EXPECT_NE(s->backend.find("layer stack"), std::string::npos) << s->backend;
    expect_cupti_fed(*s, 12);
    // On a GPU (device script): under the share the run would have to report.
    EXPECT_LT(s->device.unattributed_share(), kUnattributedNoteShare) << s->message;
    if (real_plugin()) return;
    // Every kernel inside the iterations carries its id, the first iteration's too: its buffers
    // (activations, upload slots) are zero-filled as they are allocated, inside the step, and those
    // fills once went untagged (1.3-6% of the emulated device time, "carried no id" after "finished").
    EXPECT_EQ(s->device.device_unattributed_ns, 0) << s->message;
    EXPECT_GT(s->device.device_attributed_ns, 0);
    EXPECT_EQ(s->message, "finished");
}

TEST_F(EmulatedCupti, RecordsThatArriveLateStillJoinTheirIteration) {
    if (real_plugin()) GTEST_SKIP() << "uses the fake CUPTI's delivery delay";
    setenv("BS_FAKE_CUPTI_LAG_MS", "30", 1);  // records handed out 30 ms after they end
    const auto s = train(config());
    expect_cupti_fed(*s, 12);
    EXPECT_EQ(s->message, "finished");  // every iteration got its records
}

// cuBLAS launches its GEMMs through the driver API (as the fake's GEMM does): with only the
// runtime API kind enabled (the plugin's CUPTI session before it enabled DRIVER), those kernels run
// inside their iterations without an id, so the breakdown cannot count them. The run says how much
// device time it could not attribute, in the device view and the end message; with both kinds (what
// the plugin enables) everything inside the iterations is attributed.
TEST_F(EmulatedCupti, DeviceTimeWithoutAnIterationIdIsCountedAndSaid) {
    if (real_plugin()) GTEST_SKIP() << "uses the fake CUPTI's BS_FAKE_CUPTI_KINDS";
    setenv("BS_FAKE_CUPTI_KINDS", "runtime", 1);
    const auto lost = train(config());
    unsetenv("BS_FAKE_CUPTI_KINDS");
    ASSERT_EQ(lost->state, RunState::Finished) << lost->message;
    EXPECT_GT(lost->device.device_unattributed_ns, 0);
    EXPECT_GT(lost->device.device_attributed_ns, 0);  // the copies and the other kernels kept their ids
    EXPECT_GT(lost->device.unattributed_share(), kUnattributedNoteShare);
    EXPECT_NE(lost->message.find("carried no id"), std::string::npos) << lost->message;
    EXPECT_EQ(unattributed_note(lost->device).empty(), false);
    // The GEMM's time is in no iteration's compute: the lanes show it untagged inside the windows.
    int64_t untagged_gemm_ns = 0;
    lost->events.for_each([&](const Event& e) {
        if (stream_lane(e) && e.id < 0 && e.phase == Phase::Compute) untagged_gemm_ns += e.end_ns - e.start_ns;
    });
    EXPECT_GE(untagged_gemm_ns, lost->device.device_unattributed_ns);

    const auto full = train(config());
    ASSERT_EQ(full->state, RunState::Finished) << full->message;
    EXPECT_EQ(full->device.device_unattributed_ns, 0);
    EXPECT_GT(full->device.device_attributed_ns, lost->device.device_attributed_ns);
    EXPECT_EQ(full->message, "finished");
}

TEST_F(EmulatedCupti, DroppedRecordsAreCountedAndSaid) {
    if (real_plugin()) GTEST_SKIP() << "uses the fake CUPTI's drops";
    setenv("BS_FAKE_CUPTI_DROP_EVERY", "5", 1);
    const auto s = train(config());
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_EQ(s->gpu_timing.mode, GpuTimingMode::Cupti);
    EXPECT_GT(s->device.cupti_dropped, 0u);
    EXPECT_GT(s->device.cupti_records, 0u);
    EXPECT_NE(s->message.find("CUPTI lost " + std::to_string(s->device.cupti_dropped)), std::string::npos) << s->message;
    for (const IterationRecord& r : s->recent) EXPECT_EQ(r.breakdown.parts_sum(), r.breakdown.wall_ns);
}

TEST_F(EmulatedCupti, WhenCuptiRefusesCudaEventsTimeTheRunAndTheReasonIsShown) {
    if (real_plugin()) GTEST_SKIP() << "uses the fake CUPTI's refusal";
    setenv("BS_FAKE_CUPTI", "refuse", 1);
    const auto s = train(config());
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_EQ(s->gpu_timing.mode, GpuTimingMode::CudaEvents);
    EXPECT_NE(s->gpu_timing.reason.find("another profiler"), std::string::npos) << s->gpu_timing.reason;
    EXPECT_NE(s->gpu_timing.describe().find("another profiler"), std::string::npos);
    EXPECT_TRUE(s->device.kernels.empty());
    EXPECT_EQ(s->device.cupti_records, 0u);
    EXPECT_EQ(s->device.name, "Fake GPU (host memory)");  // the rest of the device view still fills
    EXPECT_GT(s->device.memory_run, 0);
    size_t on_streams = 0;
    s->events.for_each([&](const Event& e) { on_streams += stream_lane(e); });
    EXPECT_EQ(on_streams, 0u);
    ASSERT_EQ(s->recent.size(), 12u);
    for (const IterationRecord& r : s->recent) {
        EXPECT_EQ(r.breakdown.parts_sum(), r.breakdown.wall_ns);
        if (r.iteration < 11) {
            EXPECT_GT(r.breakdown.h2d_ns, 0);  // the next batch staged (pipelined)
        }
        EXPECT_GT(r.breakdown.compute_ns, 0);
    }

    setenv("BS_FAKE_CUPTI", "on", 1);
    TrainConfig off = config();
    off.cupti = false;
    const auto o = train(off);
    ASSERT_EQ(o->state, RunState::Finished) << o->message;
    EXPECT_EQ(o->gpu_timing.mode, GpuTimingMode::CudaEvents);
    EXPECT_NE(o->gpu_timing.reason.find("turned off"), std::string::npos) << o->gpu_timing.reason;
}

TEST_F(EmulatedCupti, APauseFlushesTheHeldIterations) {
    if (real_plugin()) GTEST_SKIP() << "uses the fake CUPTI's delivery delay";
    setenv("BS_FAKE_CUPTI_LAG_MS", "600000", 1);  // records come only with a forced flush
    TrainConfig c = config();
    c.epochs = 50;  // long enough to be paused mid-run on a busy machine; stopped below
    TrainingRun run(c);
    run.start();
    auto s = bs_test::wait_for(run, [](const RunSnapshot& x) { return x.iterations_done >= 3 || x.state == RunState::Failed; },
                               std::chrono::seconds(60));
    ASSERT_GE(s->iterations_done, 3) << s->message;
    run.pause();
    s = bs_test::wait_for(run, [](const RunSnapshot& x) { return x.state == RunState::Paused; }, std::chrono::seconds(60));
    ASSERT_EQ(s->state, RunState::Paused);
    ASSERT_EQ(static_cast<int64_t>(s->recent.size()), s->iterations_done);
    for (const IterationRecord& r : s->recent) EXPECT_GT(r.breakdown.d2h_ns, 0) << r.iteration;  // from records
    run.resume();
    run.stop();
    run.wait();
    s = run.snapshot();
    EXPECT_EQ(s->state, RunState::Stopped) << s->message;
    for (const IterationRecord& r : s->recent) EXPECT_EQ(r.breakdown.parts_sum(), r.breakdown.wall_ns);
}

namespace {

struct Op {
    std::string op, stream;
    int64_t id;
    int phase;
    uint64_t bytes;    // a copy's size
    std::string host;  // a copy's host side: pinned or pageable
};

std::vector<Op> read_ops(const std::string& path) {
    std::vector<Op> ops;
    std::ifstream in(path);
    Op o;
    while (in >> o.op >> o.stream >> o.id >> o.phase >> o.bytes >> o.host) ops.push_back(o);
    return ops;
}

// For every iteration k but the last: batch k+1's upload (tagged H2D, id k+1) is queued on the COPY
// stream after step k's work (its loss read back, tagged D2H, id k) and before the host waits for
// step k (a synchronisation after it and before step k+1's first kernel).
void expect_uploads_ahead(const std::vector<Op>& ops, int64_t iterations) {
    const int h2d = static_cast<int>(Phase::H2D), d2h = static_cast<int>(Phase::D2H), compute = static_cast<int>(Phase::Compute);
    auto find = [&](size_t from, auto pred) {
        for (size_t i = from; i < ops.size(); ++i)
            if (pred(ops[i])) return i;
        return ops.size();
    };
    for (int64_t k = 0; k + 1 < iterations; ++k) {
        SCOPED_TRACE("iteration " + std::to_string(k));
        const size_t loss_k = find(0, [&](const Op& o) { return o.op == "d2h" && o.id == k && o.phase == d2h; });
        ASSERT_LT(loss_k, ops.size());
        const size_t up = find(0, [&](const Op& o) { return o.op == "h2d" && o.id == k + 1 && o.phase == h2d; });
        ASSERT_LT(up, ops.size());
        EXPECT_EQ(ops[up].stream, "copy");
        EXPECT_GT(up, loss_k) << "the upload of batch k+1 comes once step k is queued";
        const size_t next_kernel = find(0, [&](const Op& o) { return o.op.starts_with("fake_") && o.id == k + 1 && o.phase == compute; });
        ASSERT_LT(next_kernel, ops.size());
        const size_t wait = find(up, [](const Op& o) { return o.op == "sync_event" || o.op == "sync_stream"; });
        EXPECT_LT(wait, next_kernel) << "the host waits for step k only after queuing batch k+1's upload";
        // Step k+1's compute waits for that upload on the device (an event), not on the host.
        const size_t dev_wait = find(up, [](const Op& o) { return o.op == "wait" && o.stream == "compute"; });
        EXPECT_LT(dev_wait, next_kernel);
    }
}

}  // namespace

// The pipeline, as the fake plugin saw the calls: for both GPU paths (the tuned MLP and the layer
// stack), batch k+1 goes up on the copy stream while step k is under way, tagged with the
// iteration it belongs to, and every iteration still joins its CUPTI records (none late, none
// timed out: the run's message would say so).
TEST_F(EmulatedCupti, TheNextBatchGoesUpOnTheCopyStreamBeforeTheHostWaits) {
    if (real_plugin()) GTEST_SKIP() << "reads the fake plugin's op log";
    for (const char* model : {"mlp:32,16", "cnn:2:fc=8"}) {
        SCOPED_TRACE(model);
        const std::string log = d.file(std::string("ops-") + model[0] + ".txt");
        setenv("BS_FAKE_OP_LOG", log.c_str(), 1);
        TrainConfig c = config();
        c.model = model;
        const auto s = train(c);
        unsetenv("BS_FAKE_OP_LOG");
        expect_cupti_fed(*s, 12);
        EXPECT_EQ(s->message, "finished");
        expect_uploads_ahead(read_ops(log), 12);
    }
}

// What the uploads of a pipelined run move, as the fake plugin saw the calls, on both GPU paths.
// Each batch goes up on the copy stream from page-locked memory, the loader's own buffer: the model
// copied nothing into a staging slot on the host (host_staging_bytes 0; pinned_memory off counts
// each copy), and no upload of the run came from pageable memory.
// Batch k+1's upload is queued before the host waits for step k (expect_uploads_ahead). An 8-bit
// batch moves a byte a pixel, and its step begins on the compute stream, once the upload is waited
// for, with collate_u8 turning the bytes into floats before the first GEMM.
TEST_F(EmulatedCupti, BatchesGoUpFromTheLoadersPageLockedBuffersAndEightBitOnesAsBytes) {
    if (real_plugin()) GTEST_SKIP() << "reads the fake plugin's op log";
    const int h2d = static_cast<int>(Phase::H2D), compute = static_cast<int>(Phase::Compute);
    for (const char* model : {"mlp:32,16", "cnn:2:fc=8"}) {  // the tuned MLP and the layer stack
        for (const bool u8 : {false, true}) {
            SCOPED_TRACE(std::string(model) + (u8 ? ", 8-bit batches" : ", float batches"));
            const std::string log = d.file(std::string("ops-staging-") + model[0] + (u8 ? "-u8" : "-f32") + ".txt");
            setenv("BS_FAKE_OP_LOG", log.c_str(), 1);
            TrainConfig c = config();
            c.model = model;
            c.uint8_batches = u8;
            const auto s = train(c);
            unsetenv("BS_FAKE_OP_LOG");
            expect_cupti_fed(*s, 12);
            EXPECT_EQ(s->message, "finished");
            EXPECT_EQ(s->device.host_staging_bytes, 0);
            const std::vector<Op> ops = read_ops(log);
            expect_uploads_ahead(ops, 12);
            const uint64_t x_bytes = 50u * 784u * (u8 ? 1u : 4u);
            for (int64_t k = 0; k < 12; ++k) {
                SCOPED_TRACE("iteration " + std::to_string(k));
                std::vector<size_t> ups;
                for (size_t i = 0; i < ops.size(); ++i)
                    if (ops[i].op == "h2d" && ops[i].id == k && ops[i].phase == h2d) ups.push_back(i);
                ASSERT_EQ(ups.size(), 2u) << "the batch's input and its labels";
                EXPECT_EQ(ops[ups[0]].bytes, x_bytes);
                EXPECT_EQ(ops[ups[1]].bytes, 50u * 4u);
                for (size_t i : ups) {
                    EXPECT_EQ(ops[i].stream, "copy");
                    EXPECT_EQ(ops[i].host, "pinned");
                }
                size_t first_kernel = ops.size();
                for (size_t i = ups[1]; i < ops.size() && first_kernel == ops.size(); ++i)
                    if (ops[i].op.starts_with("fake_") && ops[i].id == k && ops[i].phase == compute) first_kernel = i;
                ASSERT_LT(first_kernel, ops.size());
                if (u8) EXPECT_EQ(ops[first_kernel].op, "fake_collate_u8");
                else EXPECT_NE(ops[first_kernel].op, "fake_collate_u8");
                size_t dev_wait = ops.size();
                for (size_t i = ups[1]; i < first_kernel && dev_wait == ops.size(); ++i)
                    if (ops[i].op == "wait" && ops[i].stream == "compute") dev_wait = i;
                EXPECT_LT(dev_wait, first_kernel) << "the step waits for its upload (an event) before converting it";
            }
            // The CUPTI copy table says the same: host-to-device from page-locked memory only, and the
            // bytes moved (inputs and labels of 12 batches).
            uint64_t up_bytes = 0;
            for (const auto& row : s->device.copies)
                if (row.direction == batchscope::profiler::CopyDirection::HtoD) {
                    EXPECT_TRUE(row.pinned) << row.calls << " pageable uploads";
                    up_bytes += row.bytes;
                }
            EXPECT_GE(up_bytes, 12 * (x_bytes + 200u));
        }
    }
}

// The figure: host bytes copied into staging slots per step, with and without page-locked batches
// (printed; what the test holds is 0 against a full copy of every batch).
TEST_F(EmulatedCupti, HostStagingBytesPerStepWithAndWithoutPageLockedBatches) {
    if (real_plugin()) GTEST_SKIP() << "the fake's figure";
    for (const bool u8 : {false, true})
        for (const bool pinned : {true, false}) {
            TrainConfig c = config();
            c.uint8_batches = u8;
            c.pinned_memory = pinned;
            const auto s = train(c);
            ASSERT_EQ(s->state, RunState::Finished) << s->message;
            const int64_t per_step = s->device.host_staging_bytes / 12;
            std::cout << "[ staging  ] " << (u8 ? "8-bit" : "float") << " batches of 50, "
                      << (pinned ? "page-locked" : "pageable") << ": " << per_step << " B copied on the host per step\n";
            EXPECT_EQ(per_step, pinned ? 0 : 50 * (u8 ? 784 + 4 : (784 + 1) * 4));
        }
}
