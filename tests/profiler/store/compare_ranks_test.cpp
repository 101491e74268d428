// The ranks of one imported job side by side; every expected number is worked out by hand from
// the rows recorded here.
#include <gtest/gtest.h>

#include <filesystem>

#include "batchscope/store/compare.h"
#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "store_files.h"

using namespace batchscope::store;

namespace {

constexpr int64_t ms = 1'000'000;

// One imported rank: steps 1 and 2 with the given walls; compute and data wait the same each step.
int64_t record_rank(const std::string& path, int rank, int64_t wall1, int64_t wall2, int64_t compute, int64_t data) {
    SessionMeta m;
    m.mode = "imported";
    m.config_json = "{\"rank\": " + std::to_string(rank) + ", \"world_size\": 3}";
    SessionRecorder rec(path, m);
    for (auto [step, wall] : {std::pair{int64_t{1}, wall1}, {int64_t{2}, wall2}}) {
        IterationRow r;
        r.iteration = step;
        r.wall_ns = wall;
        r.compute_ns = compute;
        r.data_wait_ns = data;
        r.comm_ns = 5 * ms;
        r.other_gpu_ns = 1 * ms;
        r.host_ns = wall - compute - data - 6 * ms;
        rec.add(r);
    }
    rec.finish("finished");
    return rec.session_id();
}

}  // namespace

TEST(CompareRanks, MeansStragglersAndOutliers) {
    bs_store_test::TempFile t;
    // rank: step walls (ms), compute, data wait
    const int64_t a = record_rank(t.path, 0, 100 * ms, 110 * ms, 50 * ms, 10 * ms);
    const int64_t b = record_rank(t.path, 1, 105 * ms, 100 * ms, 52 * ms, 10 * ms);
    const int64_t c = record_rank(t.path, 2, 120 * ms, 90 * ms, 30 * ms, 20 * ms);
    SessionStore s(t.path);
    const Comparison cmp = compare_sessions(s, {c, a, b});
    const RankComparison& r = cmp.ranks;
    ASSERT_EQ(r.ranks.size(), 3u);
    EXPECT_EQ(r.ranks[0].rank, 0);  // sorted by rank, whatever order the ids came in
    EXPECT_EQ(r.ranks[2].rank, 2);
    EXPECT_DOUBLE_EQ(r.ranks[0].step_ms, 105.0);  // (100 + 110) / 2
    EXPECT_DOUBLE_EQ(r.ranks[1].step_ms, 102.5);
    EXPECT_DOUBLE_EQ(r.ranks[2].compute_ms, 30.0);
    EXPECT_DOUBLE_EQ(r.ranks[2].comm_ms, 5.0);
    EXPECT_DOUBLE_EQ(r.ranks[2].other_gpu_ms, 1.0);
    ASSERT_EQ(r.steps.size(), 2u);
    EXPECT_EQ(r.steps[0].step, 1);
    EXPECT_EQ(r.steps[0].slowest_rank, 2);  // 120 ms
    EXPECT_DOUBLE_EQ(r.steps[0].spread_ms(), 20.0);  // 120 - 100
    EXPECT_EQ(r.steps[1].slowest_rank, 0);  // 110 ms
    EXPECT_DOUBLE_EQ(r.steps[1].spread_ms(), 20.0);  // 110 - 90
    // Medians: data wait 10 ms (rank 2 at 20: +100%), compute 50 ms (rank 2 at 30: -40%; rank 1 at
    // 52 is +4%, not named).
    EXPECT_DOUBLE_EQ(r.median_data_wait_ms, 10.0);
    EXPECT_DOUBLE_EQ(r.median_compute_ms, 50.0);
    ASSERT_EQ(r.outliers.size(), 2u);
    EXPECT_EQ(r.outliers[0], "rank 2: data wait 20.000 ms, +100% against the median 10.000 ms");
    EXPECT_EQ(r.outliers[1], "rank 2: compute 30.000 ms, -40% against the median 50.000 ms");
    // The comparison's metrics show the two new parts, and they read back as stored.
    bool comm = false;
    for (const auto& m : cmp.metrics) comm = comm || (m.name == "comm" && m.values[0] == 5.0);
    EXPECT_TRUE(comm);
    EXPECT_EQ(s.iterations(a)[0].comm_ns, 5 * ms);
    EXPECT_EQ(s.iterations(a)[1].other_gpu_ns, 1 * ms);
}

TEST(CompareRanks, OnlyForImportedSessions) {
    bs_store_test::TempFile t;
    SessionMeta m;
    m.mode = "train";
    int64_t ids[2];
    for (auto& id : ids) {
        SessionRecorder rec(t.path, m);
        IterationRow r;
        r.wall_ns = 10;
        r.host_ns = 10;
        rec.add(r);
        rec.finish("finished");
        id = rec.session_id();
    }
    SessionStore s(t.path);
    const Comparison cmp = compare_sessions(s, {ids[0], ids[1]});
    EXPECT_TRUE(cmp.ranks.ranks.empty());
    for (const auto& x : cmp.metrics) EXPECT_NE(x.name, "comm");  // zero on our own runs: not shown
    EXPECT_EQ(s.iterations(ids[0])[0].comm_ns, 0);
}

TEST(CompareRanks, SchemaOneFilesGainZeroCommAndOtherDeviceWork) {
    bs_store_test::TempFile t;
    std::filesystem::create_directories(t.dir);
    std::filesystem::copy_file(std::string(BS_STORE_TESTDATA) + "/sessions-v1.db", t.path);
    SessionStore s(t.path);  // migrates 1 -> 2
    const auto list = s.list();
    ASSERT_FALSE(list.empty());
    const auto rows = s.iterations(list[0].id);
    ASSERT_FALSE(rows.empty());
    for (const auto& r : rows) {
        EXPECT_EQ(r.comm_ns, 0);
        EXPECT_EQ(r.other_gpu_ns, 0);
    }
}
