// The reader and the step breakdown on small hand-written traces; every expected number below
// is worked out by hand from the events in trace_files.cpp (times in microseconds).
#include <gtest/gtest.h>

#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_reader.h"
#include "trace_files.h"

using namespace batchscope::trace_import;
using bs_trace_test::TempDir;

namespace {

constexpr int64_t us = 1000;

// Step 7: window [1000, 1150): the step span [1000, 1100) extended by the memset launched at
// 1095 (ends 1130) and the kernel launched at 1098 (ends 1160), clipped at step 8's start.
//   compute  [1035,1075) + [1140,1150)                      = 50
//   comm     nccl [1070,1090) minus compute                  = 15  (busy 20, overlap 5)
//   h2d      [1025,1035)                                     = 10
//   other    memset [1110,1130)                              = 20
//   data     [1000,1020)                                     = 20
//   host     150 - 115 = 35: [1020,1025) [1090,1110) [1130,1140)
//   queued   [1020,1025) (memcpy), [1095,1110) (memset), [1098,1140) (late kernel): of host,
//            5 + 15 + 10 = 30 queued, so host_wait = 5 ([1090,1095))
// Step 8: window [1150, 1200)
//   compute  late kernel [1150,1160)                         = 10
//   d2h      [1170,1190)                                     = 20
//   data     [1150,1180) minus compute and d2h = [1160,1170) = 10
//   host     [1190,1200)                                     = 10, nothing queued: host_wait 10
void expect_small_trace(const TraceAnalysis& a) {
    bs_trace_test::expect_small_gpu_trace_steps(a);
    ASSERT_EQ(a.steps.size(), 2u);
    EXPECT_FALSE(a.whole_trace_window);
    EXPECT_TRUE(a.has_gpu);
    const StepParts& s7 = a.steps[0];
    EXPECT_EQ(s7.start_ns, 1000 * us);
    EXPECT_EQ(s7.host_wait_ns, 5 * us);
    EXPECT_EQ(s7.comm_busy_ns, 20 * us);
    EXPECT_EQ(s7.comm_overlap_ns, 5 * us);
    EXPECT_EQ(a.steps[1].host_wait_ns, 10 * us);
    EXPECT_EQ(a.total.wall_ns, 200 * us);
    EXPECT_EQ(a.total.parts_sum(), a.total.wall_ns);
}

}  // namespace

TEST(TraceReader, KinetoObjectFormBreakdownByHand) {
    TempDir d;
    bs_trace_test::write_text(d.path("job.json"), bs_trace_test::small_gpu_trace());
    ParsedTrace t = read_trace(d.path("job.json"));
    EXPECT_FALSE(t.meta.legacy_array);
    EXPECT_FALSE(t.meta.truncated);
    EXPECT_EQ(t.meta.rank, 3);
    EXPECT_EQ(t.meta.rank_source, "distributedInfo");
    EXPECT_EQ(t.meta.world_size, 8);
    EXPECT_EQ(t.meta.dist_backend, "nccl");
    ASSERT_EQ(t.meta.devices.size(), 2u);
    EXPECT_EQ(t.meta.devices[1], "Test GPU B");
    EXPECT_EQ(t.meta.schema_version, "1");
    EXPECT_EQ(t.meta.base_time_ns, 1711964646000000000);
    EXPECT_EQ(t.events, 20u);
    EXPECT_EQ(t.cpu_ops, 1u);
    EXPECT_EQ(t.flows, 1u);
    expect_small_trace(analyse_trace(t));
}

TEST(TraceReader, LegacyArrayAndGzipGiveTheSameBreakdown) {
    TempDir d;
    bs_trace_test::write_gzip(d.path("old.json.gz"), bs_trace_test::small_gpu_trace(true));
    ParsedTrace t = read_trace(d.path("old.json.gz"));
    EXPECT_TRUE(t.meta.legacy_array);
    EXPECT_EQ(t.meta.rank, -1);
    EXPECT_EQ(t.meta.rank_source, "unknown");
    EXPECT_EQ(t.meta.json_bytes, bs_trace_test::small_gpu_trace(true).size());
    expect_small_trace(analyse_trace(t));
}

TEST(TraceReader, NoProfilerStepIsOneWindowOverTheWholeTrace) {
    TempDir d;
    // Legacy CPU events without "cat": [0, 10) an op, [5, 15) the DataLoader, [20, 30) an op.
    bs_trace_test::write_text(d.path("cpu.json"), R"([
{"ph":"X","name":"aten::add","pid":1,"tid":1,"ts":0,"dur":10},
{"ph":"X","name":"enumerate(DataLoader)#_MultiProcessingDataLoaderIter.__next__","pid":1,"tid":1,"ts":5,"dur":10},
{"ph":"X","name":"aten::mul","pid":1,"tid":1,"ts":20,"dur":10}])");
    ParsedTrace t = read_trace(d.path("cpu.json"), ReadOptions{5});
    EXPECT_EQ(t.meta.rank, 5);
    EXPECT_EQ(t.meta.rank_source, "--rank");
    const TraceAnalysis a = analyse_trace(t);
    EXPECT_TRUE(a.whole_trace_window);
    EXPECT_FALSE(a.has_gpu);
    ASSERT_EQ(a.steps.size(), 1u);
    EXPECT_EQ(a.steps[0].wall_ns, 30 * us);
    EXPECT_EQ(a.steps[0].data_wait_ns, 10 * us);
    EXPECT_EQ(a.steps[0].host_ns, 20 * us);
    EXPECT_EQ(a.steps[0].host_wait_ns, 0);
}

TEST(TraceReader, RankFromFileName) {
    EXPECT_EQ(rank_from_file_name("/x/job_rank-3.json"), 3);
    EXPECT_EQ(rank_from_file_name("RANK_12.pt.trace.json.gz"), 12);
    EXPECT_EQ(rank_from_file_name("worker0_rank7.json"), 7);
    EXPECT_EQ(rank_from_file_name("/ranks/trace.json"), -1);
    EXPECT_EQ(rank_from_file_name("trace.json"), -1);
}

TEST(TraceReader, MicrosecondsToNanosecondsExactly) {
    int64_t ns = 0;
    EXPECT_EQ(us_to_ns("1682725898079292", ns), "");
    EXPECT_EQ(ns, 1682725898079292000);
    EXPECT_EQ(us_to_ns("4458676416788.066 ", ns), "");
    EXPECT_EQ(ns, 4458676416788066);
    EXPECT_EQ(us_to_ns("1.5", ns), "");
    EXPECT_EQ(ns, 1500);
    EXPECT_EQ(us_to_ns("12.3456", ns), "");
    EXPECT_EQ(ns, 12346);
    EXPECT_EQ(us_to_ns("2e3", ns), "");
    EXPECT_EQ(ns, 2000000);
    EXPECT_EQ(us_to_ns("-3", ns), "");
    EXPECT_EQ(ns, -3000);
    EXPECT_NE(us_to_ns("9007199254740993", ns).find("2^53"), std::string::npos);
    EXPECT_NE(us_to_ns("99999999999999999999999", ns).find("2^53"), std::string::npos);
}
