// The run-long kernel and copy tables: folding records in batches gives the same rows as the
// one-shot kernel_table / copy_table over all of them.
#include <gtest/gtest.h>

#include <random>

#include "batchscope/profiler/gpu_activity_tables.h"

using namespace batchscope::profiler;

namespace {
GpuActivity activity(GpuActivityKind k, std::string name, int64_t s, int64_t e, CopyDirection d = CopyDirection::Unknown,
                     uint64_t bytes = 0, bool pinned = false, int64_t id = -1) {
    GpuActivity a;
    a.kind = k;
    a.name = std::move(name);
    a.start_ns = s;
    a.end_ns = e;
    a.direction = d;
    a.bytes = bytes;
    a.pinned = pinned;
    a.id = id;
    return a;
}
}  // namespace

TEST(GpuActivityTables, BatchesGiveTheOneShotTables) {
    std::mt19937 rng(7);
    const char* names[] = {"gemm", "relu", "softmax", "sgd"};
    std::vector<GpuActivity> all;
    for (int i = 0; i < 500; ++i) {
        const int64_t s = i * 100, len = 1 + static_cast<int64_t>(rng() % 90);
        switch (rng() % 4) {
            case 0: all.push_back(activity(GpuActivityKind::Memcpy, "", s, s + len, CopyDirection::HtoD, 4096, rng() % 2 == 0, i)); break;
            case 1: all.push_back(activity(GpuActivityKind::Memcpy, "", s, s + len, CopyDirection::DtoH, 4, true, i)); break;
            case 2: all.push_back(activity(GpuActivityKind::Runtime, "cudaLaunchKernel", s, s + len)); break;
            default: all.push_back(activity(GpuActivityKind::Kernel, names[rng() % 4], s, s + len, CopyDirection::Unknown, 0, false, i));
        }
    }
    GpuActivityTables t;
    for (size_t i = 0; i < all.size(); i += 37)
        t.add(std::span<const GpuActivity>(all).subspan(i, std::min<size_t>(37, all.size() - i)));

    const auto want_k = kernel_table(all);
    const auto got_k = t.kernels();
    ASSERT_EQ(got_k.size(), want_k.size());
    for (size_t i = 0; i < want_k.size(); ++i) {
        EXPECT_EQ(got_k[i].name, want_k[i].name);
        EXPECT_EQ(got_k[i].calls, want_k[i].calls);
        EXPECT_EQ(got_k[i].total_ns, want_k[i].total_ns);
        EXPECT_EQ(got_k[i].max_ns, want_k[i].max_ns);
    }
    const auto want_c = copy_table(all);
    const auto got_c = t.copies();
    ASSERT_EQ(got_c.size(), want_c.size());
    ASSERT_EQ(got_c.size(), 3u);  // HtoD pinned, HtoD pageable, DtoH pinned
    for (size_t i = 0; i < want_c.size(); ++i) {
        EXPECT_EQ(got_c[i].direction, want_c[i].direction);
        EXPECT_EQ(got_c[i].pinned, want_c[i].pinned);
        EXPECT_EQ(got_c[i].calls, want_c[i].calls);
        EXPECT_EQ(got_c[i].bytes, want_c[i].bytes);
        EXPECT_EQ(got_c[i].total_ns, want_c[i].total_ns);
    }
    const GpuActivityCounts want = count_activities(all);
    for (int k = 0; k < 6; ++k) EXPECT_EQ(t.counts().per_kind[k], want.per_kind[k]) << k;
    EXPECT_EQ(t.counts().with_id, want.with_id);
}

TEST(GpuActivityTables, EmptyUntilSomethingIsAdded) {
    GpuActivityTables t;
    EXPECT_TRUE(t.kernels().empty());
    EXPECT_TRUE(t.copies().empty());
    t.add({});
    EXPECT_TRUE(t.kernels().empty());
}
