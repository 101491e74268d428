#pragma once
// What a session holds, as plain rows. The store knows nothing of the engine: the engine (or
// the CLI) turns its records into these.
#include <cstdint>
#include <string>
#include <vector>

namespace batchscope::store {

struct SessionMeta {
    std::string name;        // shown in lists; defaults to "<mode> <model> <time>"
    std::string mode;        // "train", "infer" or "imported" (a PyTorch profiler trace)
    std::string model;
    std::string dataset;
    std::string backend;
    std::string storage;     // storage profile; "emulated ..." when emulated
    bool emulated = false;   // anything in the run was emulated (storage profile, ...)
    std::string config_json; // the full configuration, a flat JSON object
    std::string env_json;    // CPU, cores, GPU, driver and library versions
    std::vector<std::string> tags;  // given when the session is created ("preset:2-prefetch-hides-loading")
};

struct IterationRow {
    int64_t iteration = 0;
    int epoch = 0;
    int batch_size = 0;
    int64_t start_ns = 0;  // steady clock
    int64_t wall_ns = 0, data_wait_ns = 0, h2d_ns = 0, compute_ns = 0, d2h_ns = 0, host_ns = 0;
    double loss = 0;
    int queue_depth = 0;
    int64_t comm_ns = 0, other_gpu_ns = 0;  // imported traces: collectives, other device work (schema 2)
};

struct EpochRow {
    int epoch = 0;
    double train_loss = 0;
    double test_accuracy = -1;  // -1: not evaluated
    double samples_per_s = 0;
    double steady_samples_per_s = 0;
    double wall_s = 0;
    int64_t samples = 0;
    int64_t iterations = 0;
};

struct KnobRow {
    int64_t t_ns = 0;
    int64_t iteration = 0;
    std::string knob;
    int64_t old_value = 0;
    int64_t new_value = 0;
};

struct RequestRow {
    int64_t request_id = 0;
    int64_t scheduled_ns = 0;  // when it was due to arrive
    int64_t issued_ns = 0;     // when the generator actually issued it
    int64_t queue_ns = 0, h2d_ns = 0, compute_ns = 0, d2h_ns = 0;
    int64_t latency_ns = 0;    // response time - scheduled arrival
    int batch_size = 0;
    int correct = -1;          // 1/0 if the answer was checked, -1 if not
};

// A bottleneck verdict over a window of iterations, with the advice given.
struct VerdictRow {
    int64_t first_iteration = 0;
    int64_t last_iteration = 0;
    std::string verdict;  // "input-bound", "partly input-bound", "compute-bound", ...
    std::string advice;
};

// A raw trace event (kept only when asked for): the profiler's Event, field for field, and (schema
// 3, imported traces) what a device record needs for the kernel and copy tables.
struct EventRow {
    int64_t start_ns = 0, end_ns = 0, id = 0, bytes = 0;
    int phase = 0, lane_kind = 0, lane_index = 0;
    // Device records: profiler::GpuActivityKind (0 kernel, 1 memcpy, 2 memset); -1: a host event.
    int gpu_kind = -1;
    int direction = 0;    // copies: profiler::CopyDirection
    bool pinned = false;  // copies: from page-locked host memory
    // The breakdown part a device record counted in, where its phase cannot say it (a collective
    // is drawn as Compute, a memset too): kPartAsPhase, kPartComm or kPartOtherGpu.
    int part = 0;
    std::string name{};   // kernel or copy name as the trace wrote it; "" when none
};
inline constexpr int kPartAsPhase = 0;
inline constexpr int kPartComm = 1;
inline constexpr int kPartOtherGpu = 2;

// A name for a lane of a session's stored events (profiler::LaneKind and index).
struct LaneNameRow {
    int lane_kind = 0, lane_index = 0;
    std::string name;
};

struct SessionInfo {
    int64_t id = 0;
    std::string name, mode, model, dataset, backend, storage;
    bool emulated = false;
    std::string created_at;  // ISO 8601, UTC
    std::string ended_at;    // empty while running (or if the process died)
    std::string state;       // "running", "finished", "stopped", "failed", "interrupted"
    std::string message;
    std::string note;
    std::vector<std::string> tags;
    std::string config_json, env_json;
    int64_t iterations = 0;
    int64_t requests = 0;
    int64_t dropped_records = 0;  // rows the writer could not keep up with
};

}  // namespace batchscope::store
