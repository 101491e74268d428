// A real (small) training run keeps its raw events: every drained event reaches the run's event
// store (the snapshot's window) and the sink, on the lanes and with the ids the exports use.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "batchscope/engine/training_run.h"
#include "idx_fixture.h"

using namespace batchscope::engine;
using batchscope::profiler::Event;
using batchscope::profiler::LaneKind;
using batchscope::profiler::Phase;

namespace {

class EventSink : public RunSink {
public:
    void on_iteration(const IterationRecord&) override { ++iterations; }
    void on_epoch(const EpochRecord&) override {}
    void on_knob_change(const KnobChange&) override {}
    void on_end(RunState, const std::string&) override { ended_after_events = !events.empty(); }
    void on_events(std::span<const Event> e) override { events.insert(events.end(), e.begin(), e.end()); }
    std::vector<Event> events;
    int iterations = 0;
    bool ended_after_events = false;
};

TrainConfig small_run(const std::string& dir, bool trace) {
    TrainConfig c;
    c.data_dir = dir;
    c.cache_dir = dir + "/cache";
    c.batch_size = 50;
    c.workers = 2;
    c.epochs = 1;
    c.trace = trace;
    return c;
}

}  // namespace

TEST(RunEvents, EveryTracedEventReachesTheStoreTheSnapshotAndTheSink) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 1200, 300);
    TrainingRun run(small_run(d.path, true));
    auto sink = std::make_shared<EventSink>();
    run.set_sink(sink);
    run.start();
    run.wait();
    const auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    ASSERT_EQ(sink->iterations, 24);
    EXPECT_TRUE(sink->ended_after_events);
    EXPECT_EQ(s->dropped_events, 0u);
    EXPECT_EQ(s->events_evicted, 0u);
    const std::vector<Event> w = s->events.to_vector();
    ASSERT_EQ(w.size(), sink->events.size());
    EXPECT_EQ(s->events.end_sequence(), w.size());
    for (size_t i = 0; i < w.size(); ++i) ASSERT_EQ(w[i].start_ns, sink->events[i].start_ns) << i;

    std::map<int64_t, Event> iters;
    int loads = 0, evaluates = 0;
    std::map<int, int> load_lanes;
    for (const Event& e : w) {
        EXPECT_LE(e.start_ns, e.end_ns);
        if (e.phase == Phase::Iteration) {
            EXPECT_EQ(e.lane.kind, LaneKind::Controller);
            iters[e.id] = e;
        }
        if (e.phase == Phase::Load) {
            ++loads;
            ++load_lanes[e.lane.kind == LaneKind::LoaderWorker ? e.lane.index : -1];
        }
        if (e.phase == Phase::Evaluate) ++evaluates;
    }
    ASSERT_EQ(iters.size(), 24u);
    EXPECT_EQ(iters.begin()->first, 0);
    EXPECT_EQ(iters.rbegin()->first, 23);
    EXPECT_GE(loads, 24);  // a batch may be built in chunks by both workers
    EXPECT_EQ(load_lanes.count(-1), 0u);  // all on loader worker lanes
    EXPECT_EQ(evaluates, 1);
    // Each iteration's phases lie inside it, on the controller lane.
    for (const Event& e : w) {
        if (e.phase != Phase::DataWait && e.phase != Phase::H2D && e.phase != Phase::Compute) continue;
        const Event& it = iters.at(e.id);
        EXPECT_EQ(e.lane.kind, LaneKind::Controller);
        EXPECT_GE(e.start_ns, it.start_ns);
        EXPECT_LE(e.end_ns, it.end_ns);
    }
}

TEST(RunEvents, NoTraceNoEvents) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 300, 100);
    TrainingRun run(small_run(d.path, false));
    auto sink = std::make_shared<EventSink>();
    run.set_sink(sink);
    run.start();
    run.wait();
    const auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_TRUE(s->events.empty());
    EXPECT_TRUE(sink->events.empty());
}
