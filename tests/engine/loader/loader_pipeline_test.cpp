#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/data/memory_source.h"
#include "batchscope/engine/loader/sampler.h"
#include "batchscope/profiler/host_tracer.h"
#include "../data/data_fixtures.h"

using namespace batchscope::engine;
using namespace batchscope::engine::data;
using batchscope::profiler::Phase;

namespace {

LoaderOptions opts(int batch, int workers, int depth, ErrorPolicy policy = ErrorPolicy::Stop) {
    LoaderOptions o;
    o.batch_size = batch;
    o.workers = workers;
    o.prefetch_depth = depth;
    o.on_error = policy;
    return o;
}

int64_t index_of(const Batch& b, int i, int64_t features) {
    const float* x = b.x.data() + i * features;
    return std::lround(x[0] * 255.0f) | (std::lround(x[1] * 255.0f) << 8);
}

}  // namespace

TEST(LoaderPipeline, OnlyTheFirstTenSkippedSamplesAreNamed) {
    std::set<int64_t> bad;
    for (int64_t i = 0; i < 25; ++i) bad.insert(i * 7);
    const bs_test::FlakySource src(200, bad);
    const auto order = EpochSampler(src.count(), 0, false).order(1);
    BatchLoader l(src, order, 0, opts(20, 2, 4, ErrorPolicy::Skip), nullptr, 0);
    while (auto b = l.next()) l.recycle(std::move(b));
    EXPECT_EQ(l.stats().skipped, 25);
    ASSERT_EQ(l.stats().skipped_samples.size(), kNamedSkips);
    for (const std::string& s : l.stats().skipped_samples) EXPECT_NE(s.find(": corrupt"), std::string::npos) << s;
}

TEST(LoaderPipeline, SkipPolicyLeavesBadSamplesOutAndCountsThem) {
    const bs_test::FlakySource src(500, {3, 77, 78, 499});
    const auto order = EpochSampler(src.count(), 2).order(1);
    for (int workers : {0, 2}) {
        SCOPED_TRACE(workers);
        BatchLoader l(src, order, 0, opts(50, workers, 4, ErrorPolicy::Skip), nullptr, 0);
        std::vector<int64_t> seen;
        int skipped = 0;
        while (auto b = l.next()) {
            EXPECT_EQ(b->positions, 50);
            EXPECT_EQ(b->size + b->skipped, 50);
            skipped += b->skipped;
            for (int i = 0; i < b->size; ++i) {
                seen.push_back(index_of(*b, i, 16));
                EXPECT_EQ(b->y[static_cast<size_t>(i)], seen.back() % 10);
            }
            l.recycle(std::move(b));
        }
        std::vector<int64_t> want;
        for (uint32_t i : order)
            if (i != 3 && i != 77 && i != 78 && i != 499) want.push_back(i);
        EXPECT_EQ(seen, want);
        EXPECT_EQ(skipped, 4);
        EXPECT_EQ(l.stats().skipped, 4);
        // Each skipped sample named with its reason (FlakySource: "sample-<i>.png", "corrupt").
        const std::vector<std::string> named = l.stats().skipped_samples;
        EXPECT_EQ(std::set<std::string>(named.begin(), named.end()),
                  (std::set<std::string>{"sample-3.png: corrupt", "sample-77.png: corrupt", "sample-78.png: corrupt",
                                         "sample-499.png: corrupt"}));
        EXPECT_EQ(l.stats().samples, 496);
        EXPECT_EQ(l.consumed_samples(), 500);  // positions, for a restart
    }
}

TEST(LoaderPipeline, StopPolicyHandsTheFileNamingErrorToTheTrainer) {
    const bs_test::FlakySource src(300, {123});
    const auto order = EpochSampler(src.count(), 1, false).order(1);  // in order: batch 2 holds 123
    for (int workers : {0, 3}) {
        SCOPED_TRACE(workers);
        BatchLoader l(src, order, 0, opts(50, workers, 8), nullptr, 0);
        ASSERT_TRUE(l.next());
        ASSERT_TRUE(l.next());
        try {
            l.next();
            FAIL() << "expected the sample error";
        } catch (const SampleError& e) {
            EXPECT_EQ(e.file(), "sample-123.png");
            EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos);
        }
    }
}

TEST(LoaderPipeline, TimesEachPartPerBatchAndEachWorkersBusyAndIdleTime) {
    const bs_test::FlakySource src(2000, {});
    const auto order = EpochSampler(src.count(), 1).order(1);
    batchscope::profiler::HostTracer tracer;
    {
        BatchLoader l(src, order, 0, opts(100, 2, 1), &tracer, 7);
        while (auto b = l.next()) {
            EXPECT_GE(b->times.worker, 0);
            EXPECT_LT(b->times.worker, 2);
            EXPECT_GE(b->times.end_ns, b->times.start_ns);
            // With prefetch 1 < 2 workers a batch is built in chunks by both workers at once, so its
            // summed parts fit in its wall interval times the workers, not in the interval itself.
            EXPECT_LE(b->times.parts.sum(), 2 * (b->times.end_ns - b->times.start_ns));
            EXPECT_GT(b->times.parts.collate_ns, 0);
            l.recycle(std::move(b));
        }
        const LoaderStats s = l.stats();
        ASSERT_EQ(s.workers.size(), 2u);
        EXPECT_EQ(s.batches, 20);
        EXPECT_EQ(s.workers[0].batches + s.workers[1].batches, 20);
        EXPECT_GT(s.busy_ns(), 0);
        EXPECT_EQ(s.busy_ns(), l.busy_ns());
        EXPECT_GT(s.parts.read_ns, 0);
        EXPECT_LE(s.parts.sum(), s.busy_ns());
    }
    std::vector<batchscope::profiler::Event> ev;
    tracer.drain(ev);
    // 20 batches of 2 chunks (depth 1 < 2 workers: one per worker); per chunk a Load, then its four parts laid end to
    // end from the Load's start, inside it (a thread's events drain in the order recorded).
    ASSERT_EQ(ev.size(), 200u);
    std::map<int64_t, int> loads;
    const Phase parts[] = {Phase::ReadPhase, Phase::Decode, Phase::Augment, Phase::Collate};
    for (size_t i = 0; i < ev.size(); i += 5) {
        ASSERT_EQ(ev[i].phase, Phase::Load);
        ++loads[ev[i].id];
        int64_t at = ev[i].start_ns;
        for (size_t k = 0; k < 4; ++k) {
            const auto& p = ev[i + 1 + k];
            EXPECT_EQ(p.phase, parts[k]);
            EXPECT_EQ(p.id, ev[i].id);
            EXPECT_EQ(p.start_ns, at);
            EXPECT_EQ(p.lane, ev[i].lane);
            at = p.end_ns;
        }
        EXPECT_LE(at, ev[i].end_ns);
    }
    ASSERT_EQ(loads.size(), 20u);
    for (const auto& [id, n] : loads) EXPECT_EQ(n, 2) << id;
}

TEST(LoaderPipeline, AugmentationDependsOnThePositionNotOnTheWorker) {
    ImageDataset d;
    d.count = 64;
    d.rows = d.cols = 28;
    d.classes = 10;
    d.pixels.resize(64 * 784);
    std::mt19937 rng(4);
    for (auto& p : d.pixels) p = static_cast<uint8_t>(rng());
    d.labels.assign(64, 1);
    const MemorySource src(std::move(d));
    const auto order = EpochSampler(64, 3).order(1);
    auto run = [&](int workers, int batch) {
        LoaderOptions o = opts(batch, workers, 3);
        o.output = {20, 20, 1};
        o.augment.random_resized_crop = true;
        o.augment.horizontal_flip = true;
        o.augment.normalize = true;
        o.augment.seed = 99;
        BatchLoader l(src, order, 0, o, nullptr, 0);
        EXPECT_EQ(l.features(), 400);
        std::vector<float> all;
        while (auto b = l.next()) {
            all.insert(all.end(), b->x.begin(), b->x.begin() + b->size * 400);
            l.recycle(std::move(b));
        }
        return all;
    };
    const auto a = run(0, 16);
    EXPECT_EQ(a.size(), 64u * 400);
    EXPECT_EQ(run(3, 16), a);
    EXPECT_EQ(run(2, 5), a);  // other batch boundaries, same samples
}

TEST(LoaderPipeline, StorageProfileSwitchesUnderLoadLoseAndRepeatNothing) {
    ImageDataset d;
    d.count = 3000;
    d.rows = d.cols = 2;
    d.classes = 10;
    d.pixels.resize(3000 * 4);
    for (int64_t i = 0; i < 3000; ++i) {
        d.pixels[static_cast<size_t>(4 * i)] = static_cast<uint8_t>(i & 0xff);
        d.pixels[static_cast<size_t>(4 * i + 1)] = static_cast<uint8_t>(i >> 8);
    }
    d.labels.assign(3000, 0);
    auto storage = std::make_shared<Storage>(StorageKind::EmulatedNvme);
    const MemorySource src(std::move(d), storage);
    const auto order = EpochSampler(3000, 8).order(1);
    BatchLoader l(src, order, 0, opts(20, 3, 2), nullptr, 0);
    std::vector<uint32_t> seen;
    int k = 0;
    while (auto b = l.next()) {
        for (int i = 0; i < b->size; ++i) seen.push_back(static_cast<uint32_t>(index_of(*b, i, 4)));
        l.recycle(std::move(b));
        if (++k % 10 == 0)
            storage->set_profile(k % 20 == 0 ? StorageKind::PageCache : StorageKind::EmulatedNvme);
        if (k % 7 == 0) l.set_prefetch_depth(k % 5);
    }
    EXPECT_EQ(seen, order);
}

TEST(LoaderPipeline, Uint8BatchesConvertToTheSameFloatsAsFloatBatches) {
    ImageDataset d;
    d.count = 40;
    d.rows = d.cols = 28;
    d.classes = 10;
    d.pixels.resize(40 * 784);
    std::mt19937 rng(9);
    for (auto& p : d.pixels) p = static_cast<uint8_t>(rng());
    d.labels.assign(40, 2);
    const MemorySource src(std::move(d));
    const auto order = EpochSampler(40, 1).order(1);
    auto run = [&](BatchFormat f, bool crop) {
        LoaderOptions o = opts(16, 2, 2);
        o.format = f;
        o.augment.normalize = true;
        o.augment.random_resized_crop = crop;
        BatchLoader l(src, order, 0, o, nullptr, 0);
        std::vector<float> all;
        while (auto b = l.next()) {
            EXPECT_EQ(b->format, f);
            std::vector<float> x(static_cast<size_t>(b->size * 784));
            to_float(*b, {28, 28, 1}, l.collator(), x.data());
            all.insert(all.end(), x.begin(), x.end());
            l.recycle(std::move(b));
        }
        return all;
    };
    for (bool crop : {false, true}) {
        const auto f = run(BatchFormat::Float32, crop);
        EXPECT_EQ(f.size(), 40u * 784);
        EXPECT_EQ(run(BatchFormat::Uint8, crop), f);
    }
}

namespace {
// Counts what the loader takes, and remembers the blocks, so that a test can see where every
// batch's buffers live.
class CountingMemory final : public HostMemory {
public:
    void* allocate(size_t bytes) override {
        std::lock_guard lock(m);
        void* p = ::operator new(bytes);
        blocks[p] = bytes;
        ++allocations;
        return p;
    }
    void deallocate(void* p, size_t) noexcept override {
        std::lock_guard lock(m);
        blocks.erase(p);
        ::operator delete(p);
    }
    const char* kind() const noexcept override { return "counting"; }
    bool owns(const void* p, size_t bytes) {
        std::lock_guard lock(m);
        for (const auto& [b, n] : blocks)
            if (p >= b && static_cast<const char*>(p) + bytes <= static_cast<const char*>(b) + n) return true;
        return false;
    }
    std::mutex m;
    std::map<const void*, size_t> blocks;
    int64_t allocations = 0;
};
}  // namespace

// Issue 3: batches are collated into buffers from the memory the backend asks for (page-locked
// for a GPU), allocated once per batch slot and reused: none per batch in steady state.
TEST(LoaderPipeline, BatchBuffersComeFromTheBackendsMemoryAndAreReused) {
    const bs_test::FlakySource src(2000, {});
    const auto order = EpochSampler(src.count(), 2).order(1);
    for (BatchFormat format : {BatchFormat::Float32, BatchFormat::Uint8}) {
        SCOPED_TRACE(static_cast<int>(format));
        CountingMemory mem;
        {
            LoaderOptions o = opts(20, 2, 4);
            o.memory = &mem;
            o.format = format;
            BatchLoader l(src, order, 0, o, nullptr, 0);
            int64_t batches = 0;
            while (auto b = l.next()) {
                const void* data = format == BatchFormat::Float32 ? static_cast<const void*>(b->x.data())
                                                                  : static_cast<const void*>(b->pixels.data());
                const size_t bytes = static_cast<size_t>(b->size) * 16 * (format == BatchFormat::Float32 ? 4 : 1);
                EXPECT_TRUE(mem.owns(data, bytes));
                EXPECT_TRUE(mem.owns(b->y.data(), static_cast<size_t>(b->size) * sizeof(int32_t)));
                ++batches;
                l.recycle(std::move(b));
            }
            EXPECT_EQ(batches, 100);
            // Three buffers (x or pixels, y; x/pixels may grow once) per batch slot in use at once
            // (at most prefetch depth + workers + the one being consumed + one recycled), however
            // many batches pass: 100 batches allocating per batch would take 200 or more.
            EXPECT_GT(mem.allocations, 0);
            EXPECT_LE(mem.allocations, 3 * (4 + 2 + 2));
        }
        EXPECT_TRUE(mem.blocks.empty());  // all given back
    }
}

TEST(LoaderPipeline, PageableMemoryByDefault) {
    Batch b;
    EXPECT_STREQ(b.x.get_allocator().memory()->kind(), "pageable");
    b.x.resize(1000);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.x.data()) % 64, 0u);  // cache-line aligned
}
