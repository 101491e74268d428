#pragma once
// The verdict's context (profiler::PipelineContext), built in one place for every front end:
// from a live run's snapshot, from the records a sink or the preset player collected, or from a
// stored session. The knobs in effect, the knob limits, the machine's cores, the storage
// profile, and what the loader did in the window (its per-batch read / decode / augment /
// collate times and how often the queue was empty when a step began).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/store/records.h"

namespace batchscope::engine {

// The settings a verdict depends on, as configured and then changed live.
struct VerdictSetting {
    int batch_size = 0;
    int prefetch_depth = 0;
    int workers = 0;
    data::StorageKind storage = data::StorageKind::PageCache;
    int compute_threads = 1;
    bool gpu = false;
    bool pinned_memory = true;  // GPU: batches built in page-locked memory (the pinned_memory knob)
    int cpu_cores = 0;  // 0: this machine's
    // The model's forward passes timed by the run (RunSnapshot::compute_profile); empty: not known
    // (a stored session), and a batch-size advice predicts its lower bound.
    std::vector<profiler::ComputePoint> compute_profile;

    static VerdictSetting of(const TrainConfig& c);
    // From a stored session's config JSON (the keys session_sink writes); unknown keys keep defaults.
    static VerdictSetting of_json(const std::string& config_json);
    // After a live change of `knob` (batch size, prefetch depth, workers, storage profile; other
    // knobs leave the setting as it is).
    void apply(knobs::Knob knob, int64_t value);
    // The same for a recorded change, which names its knob (a KnobChange, a stored knob row).
    void apply(std::string_view knob, int64_t value);
};

// From the setting and the iterations of the window (oldest first).
profiler::PipelineContext verdict_context(const VerdictSetting& s, std::span<const IterationRecord> window);
// A live run: the knobs in the snapshot, the activation memory it reports, its compute profile.
profiler::PipelineContext verdict_context(const RunSnapshot& s, std::span<const IterationRecord> window);
// A stored session: its configured knobs and every change up to the window's end. The store
// keeps no per-batch loader times, so the context says only how often the queue ran dry.
profiler::PipelineContext verdict_context(const store::SessionInfo& info, std::span<const store::KnobRow> changes,
                                          std::span<const store::IterationRow> window);

}  // namespace batchscope::engine
