// The importer against the four real GPU traces in tests/data/traces and the CPU trace made
// by make_cpu_trace.py. The expected values are in
// expected_shares.json, produced by trace_shares.py (an independent implementation of the same
// rules in python3 with gzip and json only), not by the importer.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_reader.h"

using namespace batchscope::trace_import;

namespace {

nlohmann::json expected() {
    std::ifstream f(std::string(BS_TRACE_DATA) + "/expected_shares.json");
    return nlohmann::json::parse(f);
}

}  // namespace

TEST(RealTraces, MatchTheIndependentScript) {
    const nlohmann::json ex = expected();
    ASSERT_EQ(ex["traces"].size(), 5u);
    for (const auto& e : ex["traces"]) {
        const std::string file = e["file"];
        SCOPED_TRACE(file);
        ParsedTrace t = read_trace(std::string(BS_TRACE_DATA) + "/" + file);
        EXPECT_FALSE(t.meta.truncated);
        if (!e["rank"].is_null()) {
            EXPECT_EQ(t.meta.rank, e["rank"].get<int>());
            EXPECT_EQ(t.meta.world_size, e["world_size"].get<int>());
        }
        const TraceAnalysis a = analyse_trace(t);
        EXPECT_EQ(a.whole_trace_window, e["whole_trace_window"].get<bool>());
        EXPECT_EQ(static_cast<int>(a.steps.size()), e["steps"].get<int>());
        const auto& p = e["parts_ns"];
        EXPECT_EQ(a.total.wall_ns, e["window_ns"].get<int64_t>());
        EXPECT_EQ(a.total.compute_ns, p["compute"].get<int64_t>());
        EXPECT_EQ(a.total.comm_ns, p["comm"].get<int64_t>());
        EXPECT_EQ(a.total.h2d_ns, p["h2d"].get<int64_t>());
        EXPECT_EQ(a.total.d2h_ns, p["d2h"].get<int64_t>());
        EXPECT_EQ(a.total.other_gpu_ns, p["other_gpu"].get<int64_t>());
        EXPECT_EQ(a.total.data_wait_ns, p["data_wait"].get<int64_t>());
        EXPECT_EQ(a.total.host_ns, p["host"].get<int64_t>());
        EXPECT_EQ(a.total.host_wait_ns, p["host_wait"].get<int64_t>());
    }
}

TEST(RealTraces, MetadataOfTheTwoRankJob) {
    ParsedTrace t = read_trace(std::string(BS_TRACE_DATA) + "/nccl-2ranks-rank0.json.gz");
    EXPECT_EQ(t.meta.rank, 0);
    EXPECT_EQ(t.meta.world_size, 2);
    EXPECT_EQ(t.meta.dist_backend, "nccl");
    ASSERT_EQ(t.meta.devices.size(), 8u);
    EXPECT_EQ(t.meta.devices[0], "NVIDIA A100-PG509-200");
    EXPECT_EQ(t.meta.base_time_ns, 1711964646000000000);
    EXPECT_EQ(t.events, 40573u);
    EXPECT_EQ(t.flows, 8652u + 3862u + 543u + 543u);
    ParsedTrace u = read_trace(std::string(BS_TRACE_DATA) + "/no-distributed-info.json.gz");
    EXPECT_EQ(u.meta.rank, -1);
    EXPECT_EQ(u.meta.world_size, -1);
}

// make_cpu_trace.py's Dataset sleeps 2 ms per sample, 4 samples a batch: every step waits at
// least 8 ms on the DataLoader (legacy form: no "cat", pid a string).
TEST(RealTraces, CpuTraceWaitsAtLeastTheDatasetSleep) {
    ParsedTrace t = read_trace(std::string(BS_TRACE_DATA) + "/cpu-legacy.json.gz");
    EXPECT_TRUE(t.meta.legacy_array);
    const TraceAnalysis a = analyse_trace(t);
    EXPECT_FALSE(a.has_gpu);
    ASSERT_GE(a.steps.size(), 5u);
    for (const StepParts& s : a.steps) {
        EXPECT_GE(s.data_wait_ns, 8'000'000) << "step " << s.number;
        EXPECT_LE(s.data_wait_ns, s.wall_ns);
    }
}
