#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "batchscope/engine/loader/sampler.h"

using batchscope::engine::EpochSampler;

TEST(Sampler, EveryIndexExactlyOncePerEpoch) {
    EpochSampler s(10007, 42);
    for (int epoch = 1; epoch <= 3; ++epoch) {
        auto o = s.order(epoch);
        ASSERT_EQ(o.size(), 10007u);
        std::vector<uint32_t> sorted = o;
        std::sort(sorted.begin(), sorted.end());
        for (uint32_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
    }
}

TEST(Sampler, SeededAndDifferentEveryEpoch) {
    EpochSampler a(1000, 1), b(1000, 1), c(1000, 2);
    EXPECT_EQ(a.order(1), b.order(1));
    EXPECT_NE(a.order(1), a.order(2));
    EXPECT_NE(a.order(1), c.order(1));
    auto o = a.order(1);
    std::vector<uint32_t> id(1000);
    std::iota(id.begin(), id.end(), 0u);
    EXPECT_NE(o, id);  // actually shuffled
}

TEST(Sampler, SequentialWhenShuffleIsOff) {
    EpochSampler s(5, 9, false);
    EXPECT_EQ(s.order(3), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(Sampler, EmptyDataset) { EXPECT_TRUE(EpochSampler(0, 1).order(1).empty()); }

TEST(Sampler, ShardsSplitOnePermutationAmongRanks) {
    using batchscope::engine::ShardOptions;
    const int64_t n = 1003;
    const auto whole = EpochSampler(n, 7).order(2);
    for (bool drop : {false, true}) {
        SCOPED_TRACE(drop);
        std::vector<uint32_t> all;
        for (int r = 0; r < 4; ++r) {
            const EpochSampler s(n, 7, true, ShardOptions{r, 4, drop});
            const auto o = s.order(2);
            EXPECT_EQ(static_cast<int64_t>(o.size()), drop ? 250 : 251);
            EXPECT_EQ(s.shard_size(), static_cast<int64_t>(o.size()));
            for (size_t i = 0; i < o.size(); ++i) EXPECT_EQ(o[i], whole[(i * 4 + static_cast<size_t>(r)) % n]);
            all.insert(all.end(), o.begin(), o.end());
        }
        std::sort(all.begin(), all.end());
        if (drop) {
            EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());  // disjoint
        } else {
            EXPECT_EQ(std::unique(all.begin(), all.end()) - all.begin(), n);  // covers all (1 padded)
        }
    }
}
