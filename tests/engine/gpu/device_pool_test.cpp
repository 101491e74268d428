// The device pool's bookkeeping with a fake raw allocator (host memory, a byte budget).
#include "device_pool.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

using batchscope::cuda::DevicePool;

namespace {

struct FakeDevice {
    size_t budget = 1 << 20, used = 0, ever = 0;
    std::map<void*, size_t> live;
    DevicePool pool(uint64_t limit = 0) {
        return DevicePool(
            [this](size_t n) -> void* {
                if (used + n > budget) return nullptr;
                used += n;
                ever += n;
                void* p = std::malloc(n);
                live[p] = n;
                return p;
            },
            [this](void* p) {
                used -= live.at(p);
                live.erase(p);
                std::free(p);
            },
            limit);
    }
};

TEST(DevicePool, RoundsToTheGranule) {
    EXPECT_EQ(DevicePool::rounded(0), 512u);
    EXPECT_EQ(DevicePool::rounded(1), 512u);
    EXPECT_EQ(DevicePool::rounded(512), 512u);
    EXPECT_EQ(DevicePool::rounded(513), 1024u);
}

TEST(DevicePool, SteadyLoopAllocatesOnlyOnce) {
    FakeDevice dev;
    DevicePool pool = dev.pool();
    for (int it = 0; it < 100; ++it) {
        void* a = pool.allocate(1000);
        void* b = pool.allocate(40000);
        ASSERT_TRUE(a && b);
        ASSERT_TRUE(pool.release(a));
        ASSERT_TRUE(pool.release(b));
    }
    EXPECT_EQ(pool.stats().raw_allocs, 2u);
    EXPECT_EQ(pool.stats().reuses, 198u);
    EXPECT_EQ(pool.stats().in_use, 0u);
    EXPECT_EQ(pool.stats().reserved, 1024u + 40448u);
    EXPECT_EQ(pool.stats().peak_in_use, 1024u + 40448u);
}

TEST(DevicePool, ReusesABlockUpToTwiceTheSize) {
    FakeDevice dev;
    DevicePool pool = dev.pool();
    void* big = pool.allocate(4096);
    pool.release(big);
    EXPECT_EQ(pool.allocate(2048), big);  // 4096 <= 2 x 2048: reused
    void* other = pool.allocate(1024);     // nothing cached fits within 2x: a new block
    EXPECT_NE(other, big);
    EXPECT_EQ(pool.stats().raw_allocs, 2u);
}

TEST(DevicePool, CacheIsReleasedBeforeGivingUp) {
    FakeDevice dev;
    dev.budget = 8192;
    DevicePool pool = dev.pool();
    void* a = pool.allocate(6144);
    pool.release(a);                        // cached: the "device" is still full
    void* b = pool.allocate(7680);          // too big to reuse a (not within the cache), too big to fit beside it
    ASSERT_NE(b, nullptr);                  // so the cache went back and the retry succeeded
    EXPECT_EQ(pool.stats().reserved, 7680u);
    EXPECT_EQ(pool.allocate(4096), nullptr);  // really out of memory: nullptr, no throw
    EXPECT_EQ(pool.stats().in_use, 7680u);
}

TEST(DevicePool, LimitIsHonoured) {
    FakeDevice dev;
    DevicePool pool = dev.pool(2048);
    EXPECT_NE(pool.allocate(2048), nullptr);
    EXPECT_EQ(pool.allocate(512), nullptr);
    EXPECT_EQ(pool.limit(), 2048u);
}

TEST(DevicePool, UnknownOrDoubleFreeIsRefused) {
    FakeDevice dev;
    DevicePool pool = dev.pool();
    int x = 0;
    EXPECT_FALSE(pool.release(&x));
    void* a = pool.allocate(10);
    EXPECT_TRUE(pool.release(a));
    EXPECT_FALSE(pool.release(a));
}

TEST(DevicePool, EverythingGoesBackAtTheEnd) {
    FakeDevice dev;
    {
        DevicePool pool = dev.pool();
        void* a = pool.allocate(100);
        pool.allocate(200);  // never released by its owner
        pool.release(a);
        EXPECT_EQ(dev.live.size(), 2u);
        pool.release_cached();
        EXPECT_EQ(dev.live.size(), 1u);
    }
    EXPECT_TRUE(dev.live.empty());
    EXPECT_EQ(dev.used, 0u);
    EXPECT_EQ(dev.ever, 1024u);
}

}  // namespace
