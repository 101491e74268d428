#pragma once
// What limits a window of iterations, and which knob to turn to what value.
//
// Rules (shares of the summed step time of the window):
//  - data wait >= 20%: input-bound; 5%..20%: partly input-bound (advice still given);
//  - otherwise the largest of compute, copy (h2d + d2h) and host decides: compute-, copy- or
//    host-bound.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "batchscope/profiler/window_summary.h"

namespace batchscope::profiler {

inline constexpr double kInputBoundShare = 0.20;
inline constexpr double kPartlyInputBoundShare = 0.05;

enum class Bottleneck : uint8_t { Unknown = 0, InputBound, PartlyInputBound, CopyBound, ComputeBound, HostBound };
std::string_view bottleneck_name(Bottleneck b) noexcept;  // "input-bound", ...

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
};

// One thing to try. `knob` is the engine's knob name ("prefetch_depth", "workers",
// "batch_size", "pinned_memory"), with the value in effect and the value to try.
struct Advice {
    std::string knob;
    int64_t from = 0;
    int64_t to = 0;
    std::string text;  // "prefetch depth 1 → 4: the loader keeps up on average, ..."
};

struct Verdict {
    Bottleneck bottleneck = Bottleneck::Unknown;
    std::string headline;  // "input-bound: 62% of each step waits for data"
    std::vector<Advice> advice;  // most promising first; may be empty
};

// The bottleneck alone (needs no context).
Bottleneck classify(const WindowSummary& w) noexcept;

// The bottleneck with its headline and advice.
Verdict judge(const WindowSummary& w, const PipelineContext& ctx);

}  // namespace batchscope::profiler
