#pragma once
// Internal: the state shared by InferenceRun's public side, its controller thread (the load
// generator, which also applies knob commands) and its server thread (batches, statistics,
// snapshots).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/infer/batcher.h"
#include "batchscope/engine/infer/inference_run.h"
#include "serving_trace.h"
#include "stream_stats.h"

namespace batchscope::engine::infer {

struct InferKnobCommand {
    knobs::Knob knob;  // a live inference knob
    double value = 0;
};

struct InferenceRun::Impl {
    Impl(InferConfig c, std::shared_ptr<BatchService> s);

    // Controller thread (load_generator.cpp).
    void controller_main();
    void generate_open_loop();
    void generate_closed_loop();
    void generate_offline();
    bool apply_commands(ArrivalProcess* arrivals);  // true when the rate changed
    void record_knob(knobs::Knob knob, int64_t old_value, int64_t new_value);
    void issue(int64_t scheduled_ns);

    // Server thread (infer_server.cpp).
    void server_main();
    void release_slots(std::span<const RequestRecord> served);  // closed loop
    void publish(bool force, bool final_result);  // the server thread, or after it has ended

    const InferConfig cfg;
    std::shared_ptr<BatchService> service;
    std::shared_ptr<InferSink> sink;  // set before the threads start
    std::thread controller, server;
    std::atomic<bool> stop_requested{false};
    DynamicBatcher batcher;
    std::vector<int64_t> sample_order;  // request i carries sample_order[i % size]
    int64_t run_start_ns = 0;

    // Commands from any thread, and the closed loop's free slots (times they freed up).
    std::mutex ctl_m;
    std::condition_variable ctl_cv;
    std::vector<InferKnobCommand> commands;
    std::atomic<bool> has_commands{false};
    std::deque<int64_t> free_slots;
    int slot_debt = 0;  // slots to retire when they free up (concurrency lowered)
    bool server_done = false;

    // Knobs in effect (written by the controller) and counters, read when publishing.
    std::atomic<double> rate;
    std::atomic<int> concurrency, max_batch;
    std::atomic<int64_t> queue_delay_us;
    std::atomic<int64_t> issued{0};
    std::atomic<int64_t> dropped{0};  // issued, never served (stopped)

    // What the snapshot says besides statistics.
    mutable std::mutex info_m;
    RunState state = RunState::Idle;
    std::string message, model, dataset, backend;
    std::vector<KnobChange> knob_log;
    std::string server_error;

    // Server-thread state (the controller reads it only after joining the server).
    StreamStats stats;
    int64_t last_publish_ns = 0;
    // GPU services: CUPTI tagging and records, or CUDA events with the reason (made by the
    // controller after the warm-up, before the server starts; then the server thread's).
    std::unique_ptr<ServingTrace> gpu_trace;
    std::string timing;  // how h2d, compute and d2h are timed (set before the server starts)
    profiler::GpuTimingStatus gpu_timing;
    DeviceView device;

    // The latest published picture, and the final result.
    mutable std::mutex snap_m;
    std::shared_ptr<const InferSnapshot> snap;
    std::shared_ptr<const InferResult> final_result;
};

}  // namespace batchscope::engine::infer
