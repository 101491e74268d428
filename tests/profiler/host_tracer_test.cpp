#include <gtest/gtest.h>

#include <algorithm>
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
    EXPECT_EQ(tracer.thread_count(), 0u);  // the threads have ended and their rings are drained: freed
}

// A loader starts new worker threads every epoch: the rings of ended threads must be freed once
// drained (each holds capacity x 32 bytes; kept, they grew a run's memory by ~1 MB an epoch),
// with none of their events or drop counts lost.
TEST(HostTracer, RingsOfEndedThreadsAreFreedOnceDrained) {
    HostTracer tracer(64);
    std::vector<Event> got;
    constexpr int kGenerations = 200;
    size_t most_rings = 0;
    for (int g = 0; g < kGenerations; ++g) {
        std::thread t([&, g] {
            for (int i = 0; i < 70; ++i) {  // 6 more than the ring holds: dropped and counted
                Event e;
                e.id = g * 1000 + i;
                tracer.record(e);
            }
        });
        t.join();
        most_rings = std::max(most_rings, tracer.thread_count());
        tracer.drain(got);
    }
    EXPECT_EQ(most_rings, 1u);
    EXPECT_EQ(tracer.thread_count(), 0u);
    EXPECT_EQ(got.size(), static_cast<size_t>(kGenerations * 64));
    EXPECT_EQ(tracer.dropped(), static_cast<uint64_t>(kGenerations * 6));
    // The calling thread still records after its ring of another tracer went away.
    {
        HostTracer other(16);
        Event e;
        other.record(e);
    }
    Event e;
    e.id = 7;
    tracer.record(e);
    got.clear();
    EXPECT_EQ(tracer.drain(got), 1u);
    EXPECT_EQ(tracer.thread_count(), 1u);  // this thread is alive: its ring stays
}

// Freeing an ended thread's ring must keep the rings of the threads still recording (a training
// run's controller outlives each epoch's loader workers).
TEST(HostTracer, FreeingAnEndedThreadsRingKeepsTheLiveOnes) {
    HostTracer tracer(64);
    std::vector<Event> got;
    Event e;
    e.id = 1;
    tracer.record(e);  // this thread: alive throughout
    std::thread([&] {
        Event w;
        w.id = 2;
        tracer.record(w);
    }).join();
    EXPECT_EQ(tracer.drain(got), 2u);
    EXPECT_EQ(tracer.thread_count(), 1u);
    e.id = 3;
    tracer.record(e);
    got.clear();
    ASSERT_EQ(tracer.drain(got), 1u);
    EXPECT_EQ(got[0].id, 3);
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
