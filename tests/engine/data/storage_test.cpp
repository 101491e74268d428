#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "batchscope/engine/data/device_model.h"
#include "batchscope/engine/data/storage.h"
#include "batchscope/profiler/clock.h"

using namespace batchscope::engine::data;

TEST(StorageProfiles, EmulatedOnesSaySoInEveryString) {
    ASSERT_EQ(storage_profiles().size(), static_cast<size_t>(kStorageKindCount));
    for (const StorageProfile& p : storage_profiles()) {
        SCOPED_TRACE(p.id);
        const bool says = std::string(p.id).find("emulated") != std::string::npos &&
                          std::string(p.name).find("emulated") != std::string::npos &&
                          std::string(p.description).find("emulated") != std::string::npos;
        EXPECT_EQ(says, p.emulated);
        EXPECT_EQ(parse_storage_kind(p.id), p.kind);
        EXPECT_EQ(&storage_profile(p.kind), &p);
    }
    EXPECT_FALSE(parse_storage_kind("floppy").has_value());
    EXPECT_NE(storage_ids().find("emulated-hdd"), std::string::npos);
}

TEST(DeviceModel, NvmeReadCostsLatencyPlusTransfer) {
    DeviceModel m(storage_profile(StorageKind::EmulatedNvme));
    EXPECT_EQ(m.submit(1'000, 0, 0, 3'000), 1'000 + 80'000 + 1'000);  // 3000 B at 3 GB/s = 1 us
    // A large read is bandwidth-bound: 300 MB at 3 GB/s = 0.1 s.
    DeviceModel big(storage_profile(StorageKind::EmulatedNvme));
    EXPECT_EQ(big.submit(0, 0, 0, 300'000'000), 80'000 + 100'000'000);
}

TEST(DeviceModel, ParallelReadsOverlapTheirLatencyUpToTheQueueDepth) {
    DeviceModel m(storage_profile(StorageKind::EmulatedNvme));  // 32 in flight
    int64_t last = 0;
    for (int k = 0; k < 32; ++k) last = m.submit(0, 0, static_cast<uint64_t>(k) * 100'000, 3'000);
    EXPECT_EQ(last, 80'000 + 32 * 1'000);  // one latency, 32 transfers on the shared link
    const int64_t next = m.submit(0, 0, 99'000'000, 3'000);  // waits for a free slot
    EXPECT_GE(next, 2 * 80'000);
}

TEST(DeviceModel, HddRandomReadsSeekSequentialOnesDoNot) {
    const StorageProfile& hdd = storage_profile(StorageKind::EmulatedHdd);
    constexpr int kReads = 100;
    constexpr uint64_t kBytes = 784;
    std::vector<uint64_t> offsets(kReads);
    for (int i = 0; i < kReads; ++i) offsets[static_cast<size_t>(i)] = static_cast<uint64_t>(i) * kBytes;
    DeviceModel seq(hdd);
    int64_t t = 0;
    for (uint64_t off : offsets) t = seq.submit(t, 7, off, kBytes);  // one reader, back to back
    const int64_t seq_time = t;
    EXPECT_EQ(seq.seeks(), 1);  // only the first read

    std::shuffle(offsets.begin(), offsets.end(), std::mt19937(1));
    DeviceModel rnd(hdd);
    t = 0;
    for (uint64_t off : offsets) t = rnd.submit(t, 7, off, kBytes);
    EXPECT_GE(rnd.seeks(), kReads - 2);  // a shuffled order may keep a pair in sequence
    EXPECT_GT(t, 50 * seq_time);
    const int64_t transfer = static_cast<int64_t>(kBytes * 1e9 / hdd.bandwidth_bytes_per_s + 0.5);
    EXPECT_EQ(seq_time, hdd.seek_ns + kReads * (hdd.latency_ns + transfer));
}

TEST(DeviceModel, TheNextFileInFolderOrderContinuesWithoutASeek) {
    DeviceModel m(storage_profile(StorageKind::EmulatedHdd));
    m.submit(0, 4, 0, 10'000);
    EXPECT_TRUE(m.continues(5, 0));
    EXPECT_TRUE(m.continues(4, 10'000));
    EXPECT_FALSE(m.continues(6, 0));
    EXPECT_FALSE(m.continues(5, 512));
}

TEST(Storage, EmulatedReadsWaitForTheModelledDevice) {
    Storage s(StorageKind::EmulatedHdd);
    const int64_t t0 = batchscope::profiler::now_ns();
    const int64_t done = s.charge(t0, 0, 12'345, 784);
    EXPECT_GE(batchscope::profiler::now_ns(), done);  // slept at least until the modelled completion
    // (less at most the 2 ms of lateness a thread may carry over from its previous emulated read)
    EXPECT_GE(done - t0, storage_profile(StorageKind::EmulatedHdd).seek_ns - 2'000'000);
    EXPECT_EQ(s.emulated_reads(), 1);
    EXPECT_EQ(s.emulated_seeks(), 1);
}

TEST(Storage, RealProfilesChargeNothingAndSwitchingResetsTheDevice) {
    Storage s(StorageKind::PageCache);
    EXPECT_EQ(s.charge(42, 0, 0, 1 << 20), 42);
    EXPECT_FALSE(s.emulated());
    s.set_profile(StorageKind::Cold);
    EXPECT_TRUE(s.bypass_cache());
    EXPECT_EQ(s.charge(42, 0, 0, 1 << 20), 42);
    s.set_profile(StorageKind::EmulatedNfs);
    EXPECT_TRUE(s.emulated());
    EXPECT_EQ(s.emulated_reads(), 0);
}

TEST(Storage, CancelEndsAnEmulatedWaitEarly) {
    Storage s(StorageKind::EmulatedHdd);
    std::atomic<bool> cancel{true};
    const int64_t t0 = batchscope::profiler::now_ns();
    const int64_t done = s.charge(t0, 0, 0, 2'000'000'000, &cancel);  // 2 GB at 160 MB/s: 12.5 s
    EXPECT_GT(done - t0, 10'000'000'000);
    EXPECT_LT(batchscope::profiler::now_ns() - t0, 5'000'000'000);  // returned long before
}
