// Cost of one traced scope on the host: TraceScope (two clock reads + record) and
// HostTracer::record alone, against the bare clock reads. Target: at most ~50 ns per scope.
// BM_TraceScopeSteady is the reference in the same run: the same scope timed with two steady-clock
// reads (TraceScope before it read the TSC).
// The drain that keeps the rings from filling is part of the measured loop, as in a run
// (the controller drains every iteration).
#include <benchmark/benchmark.h>

#include <vector>

#include "batchscope/profiler/host_tracer.h"

namespace {

using namespace batchscope::profiler;

constexpr size_t kDrainEvery = 4096;  // ring capacity is 1 << 14

HostTracer& shared_tracer() {
    static HostTracer t(1u << 14);
    return t;
}

void BM_NowNs(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(now_ns());
}
BENCHMARK(BM_NowNs);

void BM_FastNowNs(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fast_now_ns());
    state.SetLabel(host_clock_info().description);
}
BENCHMARK(BM_FastNowNs);

// The scope as it was: two steady-clock reads around the body, then record().
class SteadyScope {
public:
    SteadyScope(HostTracer* tracer, Phase phase, Lane lane, int64_t id) noexcept : tracer_(tracer), event_{} {
        event_.phase = phase;
        event_.lane = lane;
        event_.id = id;
        event_.start_ns = (tracer_ && tracer_->enabled()) ? now_ns() : 0;
    }
    ~SteadyScope() {
        if (tracer_ && event_.start_ns != 0) {
            event_.end_ns = now_ns();
            tracer_->record(event_);
        }
    }

private:
    HostTracer* tracer_;
    Event event_;
};

void BM_TraceScopeSteady(benchmark::State& state) {
    HostTracer tracer(1u << 14);
    std::vector<Event> sink;
    sink.reserve(kDrainEvery);
    size_t n = 0;
    int64_t id = 0;
    for (auto _ : state) {
        { SteadyScope s(&tracer, Phase::Compute, {LaneKind::Controller, 0}, ++id); }
        if (++n == kDrainEvery) {
            n = 0;
            sink.clear();
            tracer.drain(sink);
        }
    }
}
BENCHMARK(BM_TraceScopeSteady);

void BM_TraceScope(benchmark::State& state) {
    HostTracer tracer(1u << 14);
    std::vector<Event> sink;
    sink.reserve(kDrainEvery);
    size_t n = 0;
    int64_t id = 0;
    for (auto _ : state) {
        { TraceScope s(&tracer, Phase::Compute, {LaneKind::Controller, 0}, ++id); }
        if (++n == kDrainEvery) {
            n = 0;
            sink.clear();
            tracer.drain(sink);
        }
    }
    state.counters["dropped"] = static_cast<double>(tracer.dropped());
}
BENCHMARK(BM_TraceScope);

void BM_TraceScopeDisabled(benchmark::State& state) {
    HostTracer tracer(1u << 14);
    tracer.set_enabled(false);
    int64_t id = 0;
    for (auto _ : state) {
        TraceScope s(&tracer, Phase::Compute, {LaneKind::Controller, 0}, ++id);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_TraceScopeDisabled);

void BM_HostTracerRecord(benchmark::State& state) {
    HostTracer tracer(1u << 14);
    std::vector<Event> sink;
    sink.reserve(kDrainEvery);
    Event e;
    e.phase = Phase::Load;
    size_t n = 0;
    for (auto _ : state) {
        ++e.id;
        tracer.record(e);
        if (++n == kDrainEvery) {
            n = 0;
            sink.clear();
            tracer.drain(sink);
        }
    }
}
BENCHMARK(BM_HostTracerRecord);

// Several threads recording into one tracer (each has its own ring); thread 0 drains.
void BM_TraceScopeThreads(benchmark::State& state) {
    HostTracer& tracer = shared_tracer();
    std::vector<Event> sink;
    size_t n = 0;
    const auto lane = Lane{LaneKind::LoaderWorker, static_cast<uint8_t>(state.thread_index())};
    for (auto _ : state) {
        { TraceScope s(&tracer, Phase::Load, lane, 1); }
        if (state.thread_index() == 0 && ++n == kDrainEvery / 4) {
            n = 0;
            sink.clear();
            tracer.drain(sink);
        }
    }
}
BENCHMARK(BM_TraceScopeThreads)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
