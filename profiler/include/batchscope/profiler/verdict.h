#pragma once
// What limits a window of iterations, and which knob to turn to what value.
//
// Rules (shares of the summed step time of the window):
//  - data wait >= 20%: input-bound; 5%..20%: partly input-bound (advice still given);
//  - otherwise the largest of compute, copy (h2d + d2h) and host decides: compute-, copy- or
//    host-bound.
// The advice for an input-bound window comes from what the loader did (docs/ADVICE.md):
//  - loading in the training thread (0 workers) -> loader workers;
//  - the queue runs dry while the workers idle -> a deeper prefetch queue;
//  - the workers are saturated and their time is mostly waiting on storage -> more workers, beyond
//    the core count if need be (up to the reads the storage overlaps), else faster storage;
//  - the workers are saturated with CPU work and the cores are used up -> no knob: lighter
//    decoding or more cores (said in `note`); cores to spare -> more workers, up to the cores;
//  - the workers keep up and the queue has batches ready (the wait is the hand-off) -> a larger
//    batch under kSmallBatch (the hand-off is paid once per step), else no knob.
// Every advice predicts the step time, samples/s and data-wait share after the change; a
// larger batch scales the step's compute by the ratio of forward passes timed on the model at
// both sizes (PipelineContext::compute_profile), else linearly (a lower bound on the gain).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "batchscope/knobs/knob.h"
#include "batchscope/profiler/window_summary.h"

namespace batchscope::profiler {

inline constexpr double kInputBoundShare = 0.20;
inline constexpr double kPartlyInputBoundShare = 0.05;
inline constexpr double kWorkersSaturated = 0.80;  // workers' busy share from which they are saturated
inline constexpr double kStorageBound = 0.50;      // share of loading spent waiting on storage
inline constexpr double kCoresUsedUp = 0.85;       // CPU demand / cores from which no core is spare
inline constexpr double kQueueDry = 0.20;          // share of steps that began with no batch ready
inline constexpr int kSmallBatch = 128;            // compute-bound below this: a larger batch helps

enum class Bottleneck : uint8_t { Unknown = 0, InputBound, PartlyInputBound, CopyBound, ComputeBound, HostBound };
std::string_view bottleneck_name(Bottleneck b) noexcept;  // "input-bound", ...

// The model's forward pass timed at one batch size on synthetic input (the engine's compute
// probe, engine/model/compute_probe.h): the fastest of a few repetitions.
struct ComputePoint {
    int batch = 0;
    int64_t ns = 0;
};

// What was in effect during the window, and what the loader did in it.
struct PipelineContext {
    int batch_size = 0;
    int prefetch_depth = 0;
    int workers = 0;                  // loader threads; 0 = loading in the training thread
    int max_batch = 8192;             // the knobs' upper limits
    int max_prefetch = 64;
    int max_workers = 16;
    int cpu_cores = 0;                // 0: unknown; otherwise workers are not advised beyond it
    bool gpu = false;                 // compute runs on a GPU
    bool pinned_host_buffers = true;  // GPU copies come from page-locked memory
    int64_t loader_busy_ns = 0;       // summed over workers during the window (0: unknown)
    int64_t batches_loaded = 0;       // batches the loader built during the window
    // The loader's work in the window, summed over the batches' samples (all zero: unknown).
    int64_t read_ns = 0;              // fetching stored bytes (storage profile included)
    int64_t decode_ns = 0, augment_ns = 0, collate_ns = 0;  // CPU work
    bool read_waits = false;          // reading waits on a device (emulated or cold storage), not CPU
    int storage_parallelism = 0;      // reads the storage serves at once (0: no limit known)
    std::string storage;              // the storage profile's name, for the text
    double queue_dry_share = -1;      // share of the window's steps that began with no batch ready (-1: unknown)
    int compute_threads = 1;          // cores the trainer's compute uses (CPU backend)
    int64_t activation_bytes = 0;     // activation memory at batch_size (0: unknown)
    // Forward passes timed on this model (empty: unknown, e.g. a stored session or a GPU run).
    std::vector<ComputePoint> compute_profile;

    int64_t load_ns() const noexcept { return read_ns + decode_ns + augment_ns + collate_ns; }
    // The timed forward pass at `batch` in ns; 0 when not timed at that size.
    int64_t compute_at(int batch) const noexcept {
        for (const ComputePoint& p : compute_profile)
            if (p.batch == batch && p.ns > 0) return p.ns;
        return 0;
    }
};

// What an advice expects after its change: one step, the throughput and the data-wait share,
// and the numbers the expectation came from.
struct Prediction {
    double step_ns = 0;  // 0: no prediction
    double samples_per_s = 0;
    double data_wait_share = 0;
    std::string reason;  // "a batch takes 9.1 ms of loading (82% storage wait) on 4 workers: one every 2.3 ms; ..."
    bool valid() const noexcept { return step_ns > 0; }
};

// One thing to try: a knob of the registry (prefetch depth, workers, batch size, page-locked
// buffers), with the value in effect and the value to try.
struct Advice {
    knobs::Knob knob = knobs::Knob::BatchSize;
    int64_t from = 0;
    int64_t to = 0;
    std::string text;  // "prefetch depth 1 → 4: the loader keeps up on average, ..."
    Prediction expected;
    // The knob's name as knob changes and saved sessions spell it ("prefetch_depth").
    std::string knob_name() const { return std::string(knobs::info(knob).name); }
    // "prefetch depth 2 → 4"
    KnobMarker marker() const { return {0, 0, knob_name(), from, to}; }
};

struct Verdict {
    Bottleneck bottleneck = Bottleneck::Unknown;
    std::string headline;  // "input-bound: 62% of each step waits for data"
    std::vector<Advice> advice;  // most promising first; may be empty
    std::string diagnosis;  // what the loader did, in words ("both workers busy 97% of the time, ...")
    std::string note;       // what helps where no knob does ("nothing on this machine helps but ...")
};

// The bottleneck alone (needs no context).
Bottleneck classify(const WindowSummary& w) noexcept;

// The bottleneck with its headline and advice.
Verdict judge(const WindowSummary& w, const PipelineContext& ctx);

// "step 4.10 ms, 31,200 samples/s, data wait 3%" (empty for no prediction).
std::string describe(const Prediction& p);

// How the window measured after a change compares with what its advice predicted.
struct PredictionCheck {
    double predicted_samples_per_s = 0, measured_samples_per_s = 0;
    double predicted_wait_share = 0, measured_wait_share = 0;
    double error = 0;  // |measured - predicted| / measured samples/s
    std::string text;  // "predicted 31,200 samples/s, data wait 3%; measured 29,800 samples/s, data wait 4% (error 5%)"
};
PredictionCheck check_prediction(const Prediction& p, const WindowSummary& after);

}  // namespace batchscope::profiler
