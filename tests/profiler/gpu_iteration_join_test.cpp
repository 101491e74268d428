// GpuIterationJoin: iterations held until their GPU records are in, breakdowns from the host's
// and the GPU's intervals, and the fallbacks (timeout, forced flush).
#include <gtest/gtest.h>

#include "batchscope/profiler/gpu_iteration_join.h"

using namespace batchscope::profiler;

namespace {
const Lane kCtl{LaneKind::Controller, 0};
const Lane kCompute{LaneKind::ComputeStream, 0};
const Lane kCopy{LaneKind::CopyStream, 1};

// The loss read back, tagged D2H as the GPU backend tags it: an iteration's last work.
Event loss_copy(int64_t start, int64_t end, Lane lane, int64_t id) {
    Event e = make_event(Phase::D2H, start, end, lane, id);
    e.tag = 1 + static_cast<uint8_t>(Phase::D2H);
    return e;
}

Breakdown fallback_of(int64_t wall) {
    Breakdown b;
    b.wall_ns = wall;
    b.compute_ns = wall;  // recognisable: all compute
    return b;
}
}  // namespace

TEST(GpuIterationJoin, HeldUntilTheLossCopyArrivesThenBuiltFromGpuIntervals) {
    GpuIterationJoin j;
    const Event host[] = {make_event(Phase::DataWait, 0, 100, kCtl, 0), make_event(Phase::H2D, 100, 150, kCtl, 0)};
    j.add_iteration(0, 0, 1000, host, fallback_of(1000));
    std::vector<GpuIterationJoin::Joined> out;
    j.take(1000, false, out);
    EXPECT_TRUE(out.empty());  // nothing of it arrived yet

    // Device copy 150-250, overlapping kernels 300-500 and 450-600 (union 300-600), kernel
    // 550-700 on another lane (union now 300-700), copy back 700-720.
    const Event gpu1[] = {make_event(Phase::H2D, 150, 250, kCopy, 0), make_event(Phase::Compute, 300, 500, kCompute, 0),
                          make_event(Phase::Compute, 450, 600, kCompute, 0)};
    j.add_gpu_events(gpu1);
    j.take(1000, false, out);
    EXPECT_TRUE(out.empty());  // the loss copy (its last work) has not arrived
    const Event gpu2[] = {make_event(Phase::Compute, 550, 700, {LaneKind::ComputeStream, 2}, 0),
                          loss_copy(700, 720, kCompute, 0)};
    j.add_gpu_events(gpu2);
    j.take(1000, false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].from_gpu);
    EXPECT_EQ(out[0].gpu_events, 5);
    const Breakdown& b = out[0].breakdown;
    EXPECT_EQ(b.wall_ns, 1000);
    EXPECT_EQ(b.compute_ns, 400);    // union of the kernels
    EXPECT_EQ(b.h2d_ns, 150);        // host staging 100-150 + device copy 150-250
    EXPECT_EQ(b.d2h_ns, 20);
    EXPECT_EQ(b.data_wait_ns, 100);
    EXPECT_EQ(b.host_ns, 1000 - 400 - 150 - 20 - 100);  // launches, gaps, bookkeeping
    EXPECT_EQ(b.parts_sum(), b.wall_ns);
    EXPECT_EQ(j.pending(), 0u);
}

TEST(GpuIterationJoin, ARecordOfALaterIterationCompletesTheEarlierOnes) {
    GpuIterationJoin j;
    j.add_iteration(3, 0, 100, {}, fallback_of(100));
    j.add_iteration(4, 100, 200, {}, fallback_of(100));
    const Event gpu[] = {make_event(Phase::Compute, 10, 20, kCompute, 3), make_event(Phase::H2D, 110, 120, kCopy, 4)};
    j.add_gpu_events(gpu);
    std::vector<GpuIterationJoin::Joined> out;
    j.take(200, false, out);
    ASSERT_EQ(out.size(), 1u);  // 4's work is launched after all of 3's
    EXPECT_EQ(out[0].id, 3);
    EXPECT_EQ(out[0].breakdown.compute_ns, 10);
    EXPECT_EQ(j.pending(), 1u);
}

TEST(GpuIterationJoin, WithoutRecordsTheFallbackAfterTheWaitOrAForcedFlush) {
    GpuIterationJoin j(/*max_wait_ns=*/1000);
    j.add_iteration(0, 0, 100, {}, fallback_of(100));
    j.add_iteration(1, 100, 200, {}, fallback_of(100));
    std::vector<GpuIterationJoin::Joined> out;
    j.take(1050, false, out);  // 0 ended 950 ns ago: still waiting
    EXPECT_TRUE(out.empty());
    j.take(1150, false, out);  // 0 waited too long; 1 not yet
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].from_gpu);
    EXPECT_EQ(out[0].breakdown.compute_ns, 100);  // the fallback
    j.take(1150, true, out);                      // forced: everything held
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].id, 1);
    EXPECT_EQ(j.timed_out(), 2u);
}

TEST(GpuIterationJoin, LateAndUntaggedRecordsAreNotAnIterations) {
    GpuIterationJoin j;
    j.add_iteration(0, 0, 100, {}, fallback_of(100));
    const Event gpu[] = {make_event(Phase::Compute, 10, 20, kCompute, -1),   // evaluation: untagged
                         make_event(Phase::Compute, 30, 40, kCompute, 0), loss_copy(40, 50, kCompute, 0)};
    j.add_gpu_events(gpu);
    std::vector<GpuIterationJoin::Joined> out;
    j.take(100, false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].gpu_events, 2);
    EXPECT_EQ(out[0].breakdown.compute_ns, 10);
    const Event late[] = {make_event(Phase::Compute, 60, 70, kCompute, 0)};  // after it was given out
    j.add_gpu_events(late);
    EXPECT_EQ(j.late_events(), 1u);
}

// Device time inside an iteration's window without an id (a library's kernel launched where no
// external id was written) is counted as unattributed; untagged work between the iterations
// (evaluation) is not, and tagged work counts as attributed wherever it ran.
TEST(GpuIterationJoin, UntaggedDeviceTimeInsideAnIterationIsCountedApart) {
    GpuIterationJoin j;
    j.add_iteration(0, 0, 1000, {}, fallback_of(1000));
    j.add_iteration(1, 2000, 3000, {}, fallback_of(1000));
    const Event gpu[] = {
        make_event(Phase::Compute, 100, 400, kCompute, 0),     // tagged: 300 attributed
        make_event(Phase::Compute, 400, 900, kCompute, -1),    // untagged inside iteration 0: 500
        make_event(Phase::Compute, 1200, 1800, kCompute, -1),  // between the iterations (evaluation): neither
        make_event(Phase::Compute, 2100, 2200, kCompute, -1),  // untagged inside iteration 1: 100
        loss_copy(2900, 2950, kCopy, 1),                       // tagged: 50 attributed
    };
    j.add_gpu_events(gpu);
    EXPECT_EQ(j.tagged_device_ns(), 350);
    EXPECT_EQ(j.untagged_device_ns(), 600);
}

TEST(GpuIterationJoin, GpuIntervalsAreClippedToTheIteration) {
    GpuIterationJoin j;
    j.add_iteration(0, 100, 200, {}, fallback_of(100));
    const Event gpu[] = {make_event(Phase::Compute, 50, 150, kCompute, 0), loss_copy(190, 260, kCompute, 0)};
    j.add_gpu_events(gpu);
    std::vector<GpuIterationJoin::Joined> out;
    j.take(300, false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].breakdown.compute_ns, 50);
    EXPECT_EQ(out[0].breakdown.d2h_ns, 10);
    EXPECT_EQ(out[0].breakdown.parts_sum(), 100);
}

// A read-back tagged Compute (the layer stack reads its loss back before the backward pass) does
// not end the iteration: its backward kernels still join it.
TEST(GpuIterationJoin, AReadBackTaggedComputeIsNotTheIterationsEnd) {
    GpuIterationJoin j;
    j.add_iteration(0, 0, 1000, {}, fallback_of(1000));
    Event mid = make_event(Phase::D2H, 100, 110, kCopy, 0);
    mid.tag = 1 + static_cast<uint8_t>(Phase::Compute);
    const Event first[] = {make_event(Phase::Compute, 10, 100, kCompute, 0), mid};
    j.add_gpu_events(first);
    std::vector<GpuIterationJoin::Joined> out;
    j.take(1000, false, out);
    EXPECT_TRUE(out.empty());
    const Event backward[] = {make_event(Phase::Compute, 120, 300, kCompute, 0)};
    j.add_gpu_events(backward);
    j.take(1000, false, out);
    EXPECT_TRUE(out.empty());
    j.add_iteration(1, 1000, 2000, {}, fallback_of(1000));
    const Event next[] = {make_event(Phase::H2D, 1000, 1010, kCopy, 1)};  // the next iteration began
    j.add_gpu_events(next);
    j.take(2000, false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].id, 0);
    EXPECT_EQ(out[0].breakdown.compute_ns, 90 + 180);
    EXPECT_EQ(out[0].breakdown.d2h_ns, 10);
    EXPECT_EQ(j.late_events(), 0u);
}

// Pipelined runs: batch 1's upload (tagged H2D, id 1) is issued while iteration 0 computes, and
// its record may arrive before iteration 0's own records and before iteration 1 is added. It
// neither completes iteration 0 nor is it lost: iteration 1 gets it when added, and counts only
// the part inside its own window (the rest was hidden behind iteration 0).
TEST(GpuIterationJoin, APipelinedUploadJoinsTheIterationItIsFor) {
    auto tagged = [](Event e, Phase tag) {
        e.tag = 1 + static_cast<uint8_t>(tag);
        return e;
    };
    GpuIterationJoin j;
    j.add_iteration(0, 0, 1000, {}, fallback_of(1000));
    std::vector<GpuIterationJoin::Joined> out;
    // Iteration 1's upload 400-1100 (ends after iteration 0's window), before 0's kernels arrive.
    const Event early[] = {tagged(make_event(Phase::H2D, 400, 1100, kCopy, 1), Phase::H2D)};
    j.add_gpu_events(early);
    j.take(1000, false, out);
    EXPECT_TRUE(out.empty());  // an upload of iteration 1 says nothing about iteration 0
    EXPECT_EQ(j.early(), 1u);
    const Event rest0[] = {tagged(make_event(Phase::Compute, 100, 900, kCompute, 0), Phase::Compute),
                           loss_copy(900, 950, kCompute, 0)};
    j.add_gpu_events(rest0);
    j.take(1000, false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].id, 0);
    EXPECT_EQ(out[0].gpu_events, 2);  // not the upload of iteration 1
    EXPECT_EQ(out[0].breakdown.compute_ns, 800);
    EXPECT_EQ(out[0].breakdown.h2d_ns, 0);

    // Iteration 1 (window 1000-2000) gets its upload when added: 100 ns of it were exposed.
    j.add_iteration(1, 1000, 2000, {}, fallback_of(1000));
    EXPECT_EQ(j.early(), 0u);
    const Event rest1[] = {tagged(make_event(Phase::Compute, 1100, 1800, kCompute, 1), Phase::Compute),
                           loss_copy(1800, 1850, kCompute, 1)};
    j.add_gpu_events(rest1);
    out.clear();
    j.take(2000, false, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].id, 1);
    EXPECT_EQ(out[0].gpu_events, 3);
    EXPECT_EQ(out[0].breakdown.h2d_ns, 100);  // 1000-1100: the part of the upload it waited for
    EXPECT_EQ(out[0].breakdown.compute_ns, 700);
    EXPECT_EQ(out[0].breakdown.parts_sum(), out[0].breakdown.wall_ns);
    EXPECT_EQ(j.late_events(), 0u);
    EXPECT_EQ(j.timed_out(), 0u);
}

// An upload for an iteration that never ran (a stopped run) is counted late once a later
// iteration is added, never joined to the wrong one.
// A pipelined iteration whose own records were lost (dropped, or never came): its early upload
// alone must not pass for its step. It takes the fallback and counts as timed out, so the run
// says "N iterations had no CUPTI record".
TEST(GpuIterationJoin, AnIterationWithOnlyItsEarlyUploadTakesTheFallback) {
    GpuIterationJoin j;
    Event up = make_event(Phase::H2D, 900, 1100, kCopy, 1);
    up.tag = 1 + static_cast<uint8_t>(Phase::H2D);
    j.add_gpu_events(std::span<const Event>(&up, 1));
    j.add_iteration(1, 1000, 2000, {}, fallback_of(1000));
    std::vector<GpuIterationJoin::Joined> out;
    j.take(2000, true, out);  // a forced flush: nothing more will come
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].from_gpu);
    EXPECT_EQ(out[0].breakdown.compute_ns, fallback_of(1000).compute_ns);
    EXPECT_EQ(j.timed_out(), 1u);
}

TEST(GpuIterationJoin, AnUploadWhoseIterationNeverCameIsLate) {
    GpuIterationJoin j;
    Event up = make_event(Phase::H2D, 10, 20, kCopy, 5);
    up.tag = 1 + static_cast<uint8_t>(Phase::H2D);
    j.add_gpu_events(std::span<const Event>(&up, 1));
    EXPECT_EQ(j.early(), 1u);
    j.add_iteration(6, 0, 100, {}, fallback_of(100));
    EXPECT_EQ(j.early(), 0u);
    EXPECT_EQ(j.late_events(), 1u);
}

// Serving: a batch's logits come back last, but the tuned path queues that copy inside its forward
// pass's tag (Compute). Only a join told so takes any DtoH copy as the batch's end.
TEST(GpuIterationJoin, ServingTakesAnyCopyBackAsTheBatchsEnd) {
    Event copy_back = make_event(Phase::D2H, 60, 70, kCompute, 8);
    copy_back.tag = 1 + static_cast<uint8_t>(Phase::Compute);
    const Event gpu[] = {make_event(Phase::H2D, 10, 20, kCopy, 8), make_event(Phase::Compute, 30, 55, kCompute, 8),
                         copy_back};
    for (const bool serving : {false, true}) {
        GpuIterationJoin j(3'000'000'000, 1u << 16, serving);
        j.add_iteration(8, 0, 100, {}, fallback_of(100));
        j.add_gpu_events(gpu);
        std::vector<GpuIterationJoin::Joined> out;
        j.take(100, false, out);
        ASSERT_EQ(out.size(), serving ? 1u : 0u) << serving;
        if (!serving) continue;
        EXPECT_TRUE(out[0].from_gpu);
        EXPECT_EQ(out[0].breakdown.h2d_ns, 10);
        EXPECT_EQ(out[0].breakdown.compute_ns, 25);
        EXPECT_EQ(out[0].breakdown.d2h_ns, 10);
    }
}
