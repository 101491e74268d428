#pragma once
// Immutable pictures of a running job that the GUI and CLI read without taking engine locks.
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/engine/loader/loader_stats.h"
#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/event_store.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/profiler/gpu_timing.h"
#include "batchscope/profiler/verdict.h"

namespace batchscope::engine {

enum class RunState { Idle, Loading, Running, Paused, Finished, Stopped, Failed };
const char* to_string(RunState s) noexcept;
// Finished, Stopped or Failed: the run will not change any more.
constexpr bool run_ended(RunState s) noexcept {
    return s == RunState::Finished || s == RunState::Stopped || s == RunState::Failed;
}

struct IterationRecord {
    int64_t iteration = 0;  // counts from 0 over the whole run
    int epoch = 0;          // 1-based
    int batch_size = 0;     // samples in this batch
    int64_t start_ns = 0;   // on the profiler clock
    int64_t end_ns = 0;
    profiler::Breakdown breakdown;
    float loss = 0.f;
    int queue_depth = 0;    // batches ready in the prefetch queue when this iteration began
    BatchTimes load;        // how the batch this iteration consumed was built (read/decode/augment/collate)
    int skipped = 0;        // samples of that batch left out by the "skip" error policy
};

struct EpochRecord {
    int epoch = 0;
    double train_loss = 0;        // mean over the epoch's samples
    double test_accuracy = 0;     // after the epoch
    double samples_per_s = 0;     // training samples / epoch wall time (evaluation excluded)
    double steady_samples_per_s = 0;  // after the first 20 iterations, as tests/bench/torch_train.py counts
    double wall_s = 0;
    int64_t samples = 0;
    int64_t iterations = 0;
    profiler::Breakdown mean_breakdown;  // mean per iteration
    int64_t loader_busy_ns = 0;          // summed over workers: time spent building batches
    int64_t loader_idle_ns = 0;          // summed over workers: time waiting (window full / no work)
    LoadTimes load;                      // per-sample read / decode / augment / collate, summed
    int64_t samples_skipped = 0;         // unreadable or corrupt samples left out ("skip" policy)
    std::vector<std::string> skipped_samples;  // the first kNamedSkips of them: "file: reason"
    double mean_queue_depth = 0;         // batches ready when an iteration began, averaged
    std::vector<WorkerActivity> workers; // per loader worker (last worker count of the epoch)
    std::string storage;                 // storage profile id at the end of the epoch
};

struct KnobChange {
    int64_t time_ns = 0;
    int64_t iteration = 0;  // first iteration that ran with the new value
    std::string knob;
    int64_t old_value = 0;
    int64_t new_value = 0;
};

// Host memory of a training run, in bytes (the CPU backend's buffers, counted as allocated).
struct MemoryUse {
    int64_t weights = 0;
    int64_t gradients = 0;
    int64_t optimizer_state = 0;  // SGD momentum, Adam moments
    int64_t activations = 0;      // layer outputs kept for backward, their gradients, masks
    int64_t workspace = 0;        // scratch (im2col columns)
    int64_t batch_buffers = 0;    // the loader's batches (prefetched, in flight, recycled) + the compute input
    int64_t total() const noexcept {
        return weights + gradients + optimizer_state + activations + workspace + batch_buffers;
    }
};

// The device side of a GPU run, as the GPU backend and the CUPTI collector saw it. All zero and
// empty on the CPU backend; the kernel and copy tables stay empty while CUPTI is not collecting
// (gpu_timing says why).
struct DeviceView {
    std::string name;            // "NVIDIA H100 80GB HBM3"; empty on the CPU backend
    int64_t memory_free = 0;     // the device's free bytes when last sampled (cudaMemGetInfo)
    int64_t memory_total = 0;
    int64_t memory_run = 0;      // bytes this run holds on the device (weights, gradients, activations, staging)
    // Training: bytes of batches copied on the host into the model's page-locked staging slots
    // before their upload, so far (0 while batches go up straight from the loader's page-locked
    // buffers; pinned_memory off, or a model that cannot, copies each batch).
    int64_t host_staging_bytes = 0;
    std::vector<profiler::KernelRow> kernels;  // kernels so far, by total time, largest first
    std::vector<profiler::CopyRow> copies;     // copies so far, by direction and pinned / pageable
    uint64_t cupti_records = 0;  // activity records received from CUPTI
    uint64_t cupti_dropped = 0;  // records CUPTI reported lost (its buffers were full)
    // What the breakdown could not use: records with zero or reversed timestamps (left out), and
    // records that carried no iteration id (evaluation's work among them).
    uint64_t cupti_bad_timestamps = 0;
    uint64_t cupti_unjoined = 0;
    // Device time of the iterations (or served batches): what their ids attribute, and what ran
    // inside one of them with no id (GpuIterationJoin): not in any breakdown.
    int64_t device_attributed_ns = 0;
    int64_t device_unattributed_ns = 0;
    // The unattributed share of the iterations' device time (0 when there is none).
    double unattributed_share() const noexcept {
        const int64_t all = device_attributed_ns + device_unattributed_ns;
        return all > 0 ? static_cast<double>(device_unattributed_ns) / static_cast<double>(all) : 0.0;
    }
};

// Above this share of unattributed device time a run's verdict and end message say so.
inline constexpr double kUnattributedNoteShare = 0.01;
// "" when the breakdown covers the iterations' device work (or the share is at most 1%), else one
// sentence: how much device time no iteration id attributes, that the verdict underestimates the
// GPU's parts by as much, and what to check.
std::string unattributed_note(const DeviceView& d);

struct SeriesPoint {
    double t_s = 0;  // seconds since the run started
    double value = 0;
};

struct RunSnapshot {
    RunState state = RunState::Idle;
    std::string message;  // error text when Failed; otherwise a short status
    // Knobs in effect (after the last applied change).
    int batch_size = 0;
    int prefetch_depth = 0;
    int workers = 0;
    int threads = 1;  // cores the trainer's compute uses (CPU backend; fixed for the run)
    bool pinned_memory = true;  // GPU: batches go up from page-locked loader buffers (fixed for the run)
    int epochs = 0;
    std::string backend = "cpu";
    std::string dataset;
    std::string model;            // described: "MLP 784-256-128-10 (ReLU)"
    std::string model_spec;       // canonical spec: "mlp:256,128:relu"
    std::string optimizer;        // "sgd, momentum 0.9" / "adam"
    double learning_rate = 0;     // in effect now (schedule and batch scaling applied)
    int64_t parameters = 0;
    int64_t flops_per_sample = 0;  // training: forward + backward, 2 x multiply-adds
    // The model's forward pass timed on synthetic input (model/compute_probe.h), by batch size:
    // at the run's batch and four times it, before the run and after each batch-size change.
    // Empty on a GPU model, or with compute_probe off.
    std::vector<profiler::ComputePoint> compute_profile;
    MemoryUse memory;             // host bytes, updated as buffers grow
    int64_t train_samples = 0;
    int64_t test_samples = 0;
    int storage_profile = 0;      // data::StorageKind in effect (as int)
    std::string storage;          // its name, e.g. "HDD 7200 rpm (emulated)"
    std::string error_policy;     // "stop" or "skip"
    int64_t samples_skipped = 0;  // over the whole run
    LoaderStats loader;           // the current epoch so far (all loaders of the epoch summed)

    int epoch = 0;  // current epoch, 1-based (0 before the first)
    int64_t iterations_done = 0;
    int64_t samples_done = 0;
    double epoch_progress = 0;  // 0..1 within the current epoch
    double elapsed_s = 0;

    std::vector<IterationRecord> recent;  // the last iterations, oldest first (bounded)
    // The whole run so far: every iteration's breakdown summed (the whole-session overview).
    profiler::Breakdown run_breakdown;
    int64_t run_breakdown_iterations = 0;
    std::vector<EpochRecord> epochs_done;
    std::vector<SeriesPoint> throughput;  // samples/s, one point per interval (bounded)
    std::vector<SeriesPoint> loss;        // mean training loss per interval (bounded)
    std::vector<KnobChange> knob_changes;
    uint64_t dropped_events = 0;  // lost by the tracers' full rings
    // The newest raw trace events (up to kSnapshotEvents, a few seconds of a run; empty when the
    // run does not trace), shared with the run's event store: taking a snapshot copies no event.
    // A timeline keeps events.end_sequence() and asks events.since(it) for what is new.
    static constexpr size_t kSnapshotEvents = 1u << 16;
    profiler::EventWindow events;
    uint64_t events_evicted = 0;  // events that left the run's in-memory store (oldest first)
    // How GPU work is timed (CUPTI, or CUDA events with the reason CUPTI could not start); the
    // GPU backend sets it from profiler::choose_gpu_timing. The CPU backend: none.
    profiler::GpuTimingStatus gpu_timing;
    DeviceView device;  // GPU runs only
};

}  // namespace batchscope::engine
