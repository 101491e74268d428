#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "batchscope/profiler/host_tracer.h"

using namespace batchscope::profiler;

TEST(HostTracer, EventsFromManyThreadsAreAllDrained) {
    HostTracer tracer(1 << 12);
    constexpr int kThreads = 4, kPerThread = 3000;
    std::vector<Event> got;
    std::atomic<int> done{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                Event e;
                e.id = t * kPerThread + i;
                e.phase = Phase::Load;
                e.lane = {LaneKind::LoaderWorker, static_cast<uint8_t>(t)};
                while (true) {  // never overrun: wait for the reader if the ring is nearly full
                    const uint64_t before = tracer.dropped();
                    tracer.record(e);
                    if (tracer.dropped() == before) break;
                    std::this_thread::yield();
                }
            }
            done.fetch_add(1);
        });
    // Drain concurrently with the writers.
    while (done.load() < kThreads) tracer.drain(got);
    for (auto& t : ts) t.join();
    tracer.drain(got);
    // Drops may have happened (and been retried); every id is present exactly once.
    std::set<int64_t> ids;
    for (const Event& e : got) EXPECT_TRUE(ids.insert(e.id).second) << "duplicate " << e.id;
    EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
    EXPECT_EQ(tracer.thread_count(), static_cast<size_t>(kThreads));
}

TEST(HostTracer, FullRingDropsAndCountsInsteadOfGrowing) {
    HostTracer tracer(16);
    for (int i = 0; i < 40; ++i) {
        Event e;
        e.id = i;
        tracer.record(e);
    }
    EXPECT_EQ(tracer.dropped(), 24u);
    std::vector<Event> got;
    EXPECT_EQ(tracer.drain(got), 16u);
    EXPECT_EQ(got.front().id, 0);
    EXPECT_EQ(got.back().id, 15);
    EXPECT_EQ(tracer.drain(got), 0u);
}

TEST(HostTracer, DisabledRecordsNothingAndScopesMeasure) {
    HostTracer tracer;
    tracer.set_enabled(false);
    { TraceScope s(&tracer, Phase::Compute, {}, 1); }
    std::vector<Event> got;
    EXPECT_EQ(tracer.drain(got), 0u);
    tracer.set_enabled(true);
    { TraceScope s(&tracer, Phase::Compute, {LaneKind::Controller, 0}, 7, 64); }
    ASSERT_EQ(tracer.drain(got), 1u);
    EXPECT_EQ(got[0].id, 7);
    EXPECT_EQ(got[0].bytes, 64u);
    EXPECT_EQ(got[0].phase, Phase::Compute);
    EXPECT_GE(got[0].end_ns, got[0].start_ns);
}

TEST(HostTracer, TwoTracersOnOneThreadKeepTheirOwnEvents) {
    HostTracer a, b;
    for (int i = 0; i < 5; ++i) {
        Event e;
        e.id = i;
        a.record(e);
        e.id = 100 + i;
        b.record(e);
    }
    std::vector<Event> ga, gb;
    a.drain(ga);
    b.drain(gb);
    ASSERT_EQ(ga.size(), 5u);
    ASSERT_EQ(gb.size(), 5u);
    EXPECT_EQ(ga[4].id, 4);
    EXPECT_EQ(gb[0].id, 100);
    EXPECT_EQ(a.thread_count(), 1u);
}
