#pragma once
// Internal: the state shared by TrainingRun's public side and its controller thread.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/training_run.h"
#include "batchscope/profiler/event_store.h"
#include "batchscope/profiler/host_tracer.h"

namespace batchscope::engine {

struct KnobCommand {
    knobs::Knob knob;  // a live training knob
    int value = 0;
};

struct TrainingRun::Impl {
    explicit Impl(TrainConfig c) : cfg(std::move(c)) { tracer.set_enabled(cfg.trace); }

    static constexpr int64_t kPublishEveryNs = 33'000'000;  // ~30 Hz

    void run_controller();  // the whole run (a TrainingLoop), on `thread`
    void publish(bool force);
    void drain_events();  // tracer rings -> `events` and the sink (training_run_events.cpp)

    const TrainConfig cfg;
    std::shared_ptr<RunSink> sink;  // set before the thread starts
    profiler::HostTracer tracer;
    std::thread thread;
    std::atomic<bool> stop_requested{false};

    // Commands from any thread to the controller.
    std::mutex ctl_m;
    std::condition_variable ctl_cv;
    bool paused = false;
    std::vector<KnobCommand> commands;

    // The latest published picture.
    mutable std::mutex snap_m;
    std::shared_ptr<const RunSnapshot> snap = std::make_shared<RunSnapshot>();

    // Controller-thread state.
    RunSnapshot work;
    std::deque<IterationRecord> recent;
    profiler::EventStore events{1u << 20};  // the newest raw events (32 MiB at most)
    std::vector<profiler::Event> drained;
    int64_t last_publish_ns = 0;
    int64_t run_start_ns = 0;
};

}  // namespace batchscope::engine
