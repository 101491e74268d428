#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>
#include <tuple>

#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/data/memory_source.h"
#include "batchscope/engine/loader/sampler.h"
#include "batchscope/profiler/host_tracer.h"

using namespace batchscope::engine;
using namespace std::chrono_literals;

namespace {

// Image i carries its own index in its first three pixels.
data::MemorySource make_dataset(int64_t n) {
    ImageDataset d;
    d.count = n;
    d.rows = d.cols = 28;
    d.classes = 10;
    d.pixels.assign(static_cast<size_t>(n) * 784, 0);
    d.labels.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        uint8_t* p = d.pixels.data() + i * 784;
        p[0] = static_cast<uint8_t>(i & 0xff);
        p[1] = static_cast<uint8_t>((i >> 8) & 0xff);
        p[2] = static_cast<uint8_t>((i >> 16) & 0xff);
        d.labels[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
    }
    return data::MemorySource(std::move(d));
}

LoaderOptions opts(int batch, int workers, int depth, bool drop_last) {
    LoaderOptions o;
    o.batch_size = batch;
    o.workers = workers;
    o.prefetch_depth = depth;
    o.drop_last = drop_last;
    return o;
}

uint32_t index_of(const Batch& b, int i) {
    const float* x = b.x.data() + static_cast<size_t>(i) * 784;
    auto byte = [&](int k) { return static_cast<uint32_t>(std::lround(x[k] * 255.0f)); };
    return byte(0) | (byte(1) << 8) | (byte(2) << 16);
}

// Consumes the loader to the end; appends sample indices in the order received.
void drain(BatchLoader& l, std::vector<uint32_t>& seen, int64_t& expect_id) {
    while (auto b = l.next()) {
        EXPECT_EQ(b->id, expect_id++);
        for (int i = 0; i < b->size; ++i) {
            seen.push_back(index_of(*b, i));
            EXPECT_EQ(b->y[static_cast<size_t>(i)], static_cast<int32_t>(seen.back() % 10));
        }
        l.recycle(std::move(b));
    }
}

// Drains a loader (batches of 64, epoch 1's order) and counts the Load events, one per chunk,
// of each batch.
std::map<int64_t, int> loads_per_batch(const data::MemorySource& d, int workers, int depth) {
    const auto order = EpochSampler(d.count(), 1).order(1);
    batchscope::profiler::HostTracer tracer;
    {
        BatchLoader l(d, order, 0, opts(64, workers, depth, false), &tracer, 0);
        std::vector<uint32_t> seen;
        int64_t id = 0;
        drain(l, seen, id);
        EXPECT_EQ(seen, order);
    }
    std::vector<batchscope::profiler::Event> all;
    tracer.drain(all);
    std::map<int64_t, int> loads;
    for (const auto& e : all)
        if (e.phase == batchscope::profiler::Phase::Load) ++loads[e.id];
    return loads;
}

}  // namespace

TEST(BatchLoader, DeliversEverySampleOnceInSamplerOrder) {
    const data::MemorySource d = make_dataset(1003);
    const auto order = EpochSampler(d.count(), 5).order(1);
    for (int workers : {0, 1, 2, 4})
        for (int depth : {0, 1, 2, 8}) {
            SCOPED_TRACE("workers " + std::to_string(workers) + " depth " + std::to_string(depth));
            BatchLoader l(d, order, 0, opts(32, workers, depth, false), nullptr, 100);
            EXPECT_EQ(l.batches_total(), 32);  // 31 full + 1 of 11
            std::vector<uint32_t> seen;
            int64_t id = 100;
            drain(l, seen, id);
            EXPECT_EQ(seen, order);
            EXPECT_EQ(l.consumed_samples(), 1003);
        }
}

TEST(BatchLoader, DropLastSkipsThePartialBatch) {
    const data::MemorySource d = make_dataset(100);
    const auto order = EpochSampler(d.count(), 1).order(1);
    BatchLoader l(d, order, 0, opts(30, 2, 2, true), nullptr, 0);
    std::vector<uint32_t> seen;
    int64_t id = 0;
    drain(l, seen, id);
    EXPECT_EQ(seen.size(), 90u);
}

TEST(BatchLoader, RestartAtTheConsumedPositionLosesAndRepeatsNothing) {
    // What a live batch-size or worker change does: stop the loader, start another where the
    // consumer stopped, at the new size.
    const data::MemorySource d = make_dataset(500);
    const auto order = EpochSampler(d.count(), 3).order(2);
    std::vector<uint32_t> seen;
    auto first = std::make_unique<BatchLoader>(d, order, 0, opts(10, 2, 8, false), nullptr, 0);
    for (int k = 0; k < 3; ++k) {
        auto b = first->next();
        for (int i = 0; i < b->size; ++i) seen.push_back(index_of(*b, i));
    }
    std::this_thread::sleep_for(20ms);  // let the workers build ahead: those batches are dropped
    const int64_t pos = first->consumed_samples();
    first.reset();
    BatchLoader second(d, order, pos, opts(7, 3, 2, false), nullptr, 3);
    int64_t id = 3;
    drain(second, seen, id);
    EXPECT_EQ(seen, order);
}

TEST(BatchLoader, PrefetchFillsUpToTheDepthAndFollowsLiveChanges) {
    const data::MemorySource d = make_dataset(4000);
    const auto order = EpochSampler(d.count(), 1).order(1);
    BatchLoader l(d, order, 0, opts(10, 2, 4, false), nullptr, 0);
    auto wait_ready = [&](int n) {
        for (int i = 0; i < 400 && l.ready_count() != n; ++i) std::this_thread::sleep_for(5ms);
        return l.ready_count();
    };
    EXPECT_EQ(wait_ready(4), 4);
    l.set_prefetch_depth(12);
    EXPECT_EQ(wait_ready(12), 12);
    l.set_prefetch_depth(0);
    std::vector<std::unique_ptr<Batch>> held;
    for (int i = 0; i < 12; ++i) held.push_back(l.next());  // the 12 built before the change
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(l.ready_count(), 0);  // depth 0: nothing is built ahead any more
    auto b = l.next();              // ... but a waiting consumer still gets its batch
    ASSERT_TRUE(b);
    EXPECT_EQ(b->seq, 12);
    EXPECT_EQ(l.prefetch_depth(), 0);
}

TEST(BatchLoader, LiveDepthChangesUnderLoadKeepOrderAndCompleteness) {
    const data::MemorySource d = make_dataset(20000);
    const auto order = EpochSampler(d.count(), 11).order(1);
    BatchLoader l(d, order, 0, opts(16, 3, 2, false), nullptr, 0);
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> depth(0, 64);
    std::vector<uint32_t> seen;
    int k = 0;
    while (auto b = l.next()) {
        for (int i = 0; i < b->size; ++i) seen.push_back(index_of(*b, i));
        l.recycle(std::move(b));
        if (++k % 7 == 0) l.set_prefetch_depth(depth(rng));
    }
    EXPECT_EQ(seen, order);
}

TEST(BatchLoader, RecordsALoadEventForEveryChunkOnTheWorkerLanes) {
    const data::MemorySource d = make_dataset(320);
    const auto order = EpochSampler(d.count(), 1).order(1);
    batchscope::profiler::HostTracer tracer;
    {
        BatchLoader l(d, order, 0, opts(32, 2, 1, false), &tracer, 50);
        std::vector<uint32_t> seen;
        int64_t id = 50;
        drain(l, seen, id);
        EXPECT_GT(l.busy_ns(), 0);
    }
    std::vector<batchscope::profiler::Event> all;
    tracer.drain(all);
    // Depth 1 < 2 workers: each batch of 32 is built in 2 chunks of 16 (one per worker); each
    // chunk records its Load and the load's read / decode / augment / collate parts.
    ASSERT_EQ(all.size(), 100u);
    std::map<int64_t, uint32_t> bytes;
    for (const auto& e : all) {
        if (e.phase != batchscope::profiler::Phase::Load) continue;
        EXPECT_EQ(e.lane.kind, batchscope::profiler::LaneKind::LoaderWorker);
        EXPECT_LT(e.lane.index, 2);
        EXPECT_GE(e.id, 50);
        EXPECT_LT(e.id, 60);
        EXPECT_EQ(e.bytes, 16u * 784);
        bytes[e.id] += e.bytes;
    }
    ASSERT_EQ(bytes.size(), 10u);
    for (const auto& [id, b] : bytes) EXPECT_EQ(b, 32u * 784) << id;
}

TEST(BatchLoader, WithoutPrefetchAllWorkersBuildTheAwaitedBatch) {
    const data::MemorySource d = make_dataset(640);
    const auto loads = loads_per_batch(d, 4, 0);
    ASSERT_EQ(loads.size(), 10u);
    for (const auto& [id, n] : loads) EXPECT_EQ(n, 4) << id;  // 4 chunks of 16 each
}

TEST(BatchLoader, SplitsBatchesUnlessTheWindowHoldsTwoPerWorker) {
    // A worker that finishes a batch early waits while an earlier batch is still being built and
    // the window is full; splitting each batch among the workers avoids that wait.
    const data::MemorySource d = make_dataset(640);
    for (auto [workers, depth, chunks] : {std::tuple{2, 2, 2}, {2, 3, 2}, {2, 4, 1}, {2, 8, 1}, {3, 2, 3}, {4, 4, 2},
                                          {1, 0, 1}, {1, 2, 1}}) {
        SCOPED_TRACE("workers " + std::to_string(workers) + " depth " + std::to_string(depth));
        const auto loads = loads_per_batch(d, workers, depth);
        ASSERT_EQ(loads.size(), 10u);
        for (const auto& [id, n] : loads) EXPECT_EQ(n, chunks) << id;
    }
}

TEST(BatchLoader, StartPositionAtTheEndGivesNothing) {
    const data::MemorySource d = make_dataset(10);
    const auto order = EpochSampler(d.count(), 1).order(1);
    BatchLoader l(d, order, 10, opts(4, 2, 2, false), nullptr, 0);
    EXPECT_EQ(l.next(), nullptr);
}

TEST(BatchPool, LoadersOfOneRunShareTheirBuffers) {
    // One loader per epoch, and one after a live change of batch size: with a pool, the later
    // loaders reuse the buffers of the earlier ones, and still deliver every sample once, in order.
    const data::MemorySource d = make_dataset(300);
    BatchPool pool;
    auto epoch = [&](int e, int batch, int workers, int depth) {
        SCOPED_TRACE("epoch " + std::to_string(e) + " workers " + std::to_string(workers));
        const auto order = EpochSampler(d.count(), 9).order(e);
        LoaderOptions o = opts(batch, workers, depth, false);
        o.pool = &pool;
        std::vector<uint32_t> seen;
        int64_t id = 0;
        {
            BatchLoader l(d, order, 0, o, nullptr, 0);
            drain(l, seen, id);
            EXPECT_EQ(l.buffer_bytes(), pool.created() * (784 * 4 + 4) * batch);
        }
        EXPECT_EQ(seen, order);
        EXPECT_EQ(pool.idle(), pool.created());  // every buffer came back
    };
    // Built on the consumer's thread, a batch at a time: one buffer serves every epoch.
    for (int e = 1; e <= 3; ++e) epoch(e, 32, 0, 2);
    EXPECT_EQ(pool.created(), 1);
    // With workers, at most the prefetch window plus the batch the consumer holds are in use at
    // once, whatever the number of loaders; a smaller batch size reuses the same buffers.
    for (int e = 4; e <= 6; ++e) epoch(e, 32, 2, 4);
    epoch(7, 20, 3, 4);
    EXPECT_LE(pool.created(), 4 + 1);
}

TEST(BatchPool, BuffersHeldWhenALoaderStopsComeBack) {
    // A loader destroyed mid-epoch (a stop, a live worker change) returns what it built ahead, and
    // a batch the consumer still holds can be given back after it.
    const data::MemorySource d = make_dataset(400);
    const auto order = EpochSampler(d.count(), 2).order(1);
    BatchPool pool;
    LoaderOptions o = opts(16, 2, 8, false);
    o.pool = &pool;
    auto l = std::make_unique<BatchLoader>(d, order, 0, o, nullptr, 0);
    auto held = l->next();
    ASSERT_NE(held, nullptr);
    while (l->ready_count() < 8) std::this_thread::sleep_for(1ms);  // the window fills
    l.reset();
    EXPECT_EQ(pool.idle(), pool.created() - 1);
    pool.give(std::move(held));
    EXPECT_EQ(pool.idle(), pool.created());
}

TEST(BatchPool, KeepsNoMoreThanItsLimit) {
    BatchPool pool(nullptr, 2);
    std::vector<std::unique_ptr<Batch>> out;
    for (int i = 0; i < 5; ++i) out.push_back(pool.take());
    EXPECT_EQ(pool.created(), 5);
    for (auto& b : out) pool.give(std::move(b));
    EXPECT_EQ(pool.idle(), 2);
    EXPECT_EQ(pool.created(), 2);  // the others were freed
    pool.give(nullptr);
    EXPECT_EQ(pool.idle(), 2);
}

TEST(BatchPool, ALowerKeepFreesTheIdleBuffersBeyondItAtOnce) {
    BatchPool pool(nullptr, 48);
    std::vector<std::unique_ptr<Batch>> out;
    for (int i = 0; i < 10; ++i) out.push_back(pool.take());
    for (auto& b : out) pool.give(std::move(b));
    ASSERT_EQ(pool.idle(), 10);
    pool.set_keep(3);
    EXPECT_EQ(pool.keep(), 3);
    EXPECT_EQ(pool.idle(), 3);
    EXPECT_EQ(pool.created(), 3);
    // And no more are kept after it: of 5 lent out and given back, 3 stay.
    out.clear();
    for (int i = 0; i < 5; ++i) out.push_back(pool.take());
    for (auto& b : out) pool.give(std::move(b));
    EXPECT_EQ(pool.idle(), 3);
    pool.set_keep(8);  // a higher keep frees nothing and keeps more later
    EXPECT_EQ(pool.idle(), 3);
}

TEST(HostAllocator, PixelBuffersStartOffTheSimdStoreBoundary) {
    // 8-bit batches are decoded straight into their rows; a row starting on a 32-byte boundary
    // sends libjpeg-turbo's colour conversion down its slower non-temporal store path.
    HostVector<uint8_t> pixels(224 * 224 * 3 * 4);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pixels.data()) % 64, kPixelBufferOffset);
    EXPECT_NE(reinterpret_cast<uintptr_t>(pixels.data()) % 32, 0u);
    HostVector<float> x(1024);  // other element types keep the memory's 64-byte alignment
    EXPECT_EQ(reinterpret_cast<uintptr_t>(x.data()) % 64, 0u);
    pixels.resize(pixels.size() * 2);  // grows through the same allocator
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pixels.data()) % 64, kPixelBufferOffset);
    // A decoder's own image buffer (the float32 path, the decode-rate reference) is placed alike.
    data::Image img;
    img.reshape({224, 224, 3});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(img.data()) % 64, kPixelBufferOffset);
}

TEST(BatchPool, ReleaseIdleFreesOnlyWhatIsNotLent) {
    BatchPool pool;
    auto a = pool.take(), b = pool.take(), c = pool.take();
    pool.give(std::move(a));
    pool.give(std::move(b));
    pool.release_idle();  // what an evaluation pass or a batch-size change does
    EXPECT_EQ(pool.idle(), 0);
    EXPECT_EQ(pool.created(), 1);  // the one still lent out
    pool.give(std::move(c));
    EXPECT_EQ(pool.idle(), 1);
}

namespace {
class OtherMemory final : public HostMemory {
public:
    void* allocate(size_t bytes) override { return ::operator new(bytes, std::align_val_t{64}); }
    void deallocate(void* p, size_t) noexcept override { ::operator delete(p, std::align_val_t{64}); }
    const char* kind() const noexcept override { return "other"; }
};
}  // namespace

TEST(BatchPool, ALoaderRefusesMemoryOtherThanItsPools) {
    const data::MemorySource d = make_dataset(10);
    const auto order = EpochSampler(d.count(), 1).order(1);
    OtherMemory other;
    BatchPool pool;  // pageable
    LoaderOptions o = opts(4, 1, 2, false);
    o.pool = &pool;
    o.memory = &other;
    EXPECT_THROW(BatchLoader(d, order, 0, o, nullptr, 0), std::invalid_argument);
    BatchPool same(&other);
    o.pool = &same;
    BatchLoader l(d, order, 0, o, nullptr, 0);
    std::vector<uint32_t> seen;
    int64_t id = 0;
    drain(l, seen, id);
    EXPECT_EQ(seen, order);
}

namespace {

// A source whose sample 0 takes `delay` to read (a slow file), the rest as `inner` has them.
class SlowFirstSample : public data::SampleSource {
public:
    SlowFirstSample(const data::SampleSource& inner, std::chrono::milliseconds delay) : inner_(inner), delay_(delay) {}
    std::string describe() const override { return inner_.describe(); }
    int64_t count() const noexcept override { return inner_.count(); }
    data::ImageShape shape() const noexcept override { return inner_.shape(); }
    int classes() const noexcept override { return inner_.classes(); }
    int label(int64_t i) const noexcept override { return inner_.label(i); }
    void read(int64_t i, data::SampleBuffers& b) const override {
        if (i == 0) std::this_thread::sleep_for(delay_);
        inner_.read(i, b);
    }
    void decode(int64_t i, data::SampleBuffers& b) const override { inner_.decode(i, b); }
    bool encoded() const noexcept override { return inner_.encoded(); }

private:
    const data::SampleSource& inner_;
    std::chrono::milliseconds delay_;
};

}  // namespace

// ready_count() is what the trainer can take now, in order: batches built after one still being
// read are not ready for it (they were counted, so a step that waited for batch 0 was recorded as
// starting with batches ready, and the verdict blamed the hand-off instead of the loader).
TEST(BatchLoader, ReadyCountsOnlyTheBatchesTheConsumerCanTakeInOrder) {
    const data::MemorySource d = make_dataset(400);
    const SlowFirstSample slow(d, 1000ms);  // long enough for a loaded machine
    std::vector<uint32_t> order(400);
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;  // sample 0 first, in batch 0
    BatchLoader l(slow, order, 0, opts(10, 2, 4, false), nullptr, 0);
    std::this_thread::sleep_for(150ms);  // the other worker builds batches 1-3 meanwhile
    EXPECT_EQ(l.ready_count(), 0) << "batch 0 is still being read";
    for (int i = 0; i < 400 && l.ready_count() != 4; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(l.ready_count(), 4);
    std::vector<uint32_t> seen;
    int64_t id = 0;
    drain(l, seen, id);
    EXPECT_EQ(seen, order);
}
