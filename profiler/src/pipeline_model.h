#pragma once
// The loader-and-trainer pipeline of one verdict window reduced to a few measured times, and
// the step time it predicts for other workers / prefetch depth / batch size (docs/ADVICE.md,
// "How the advice predicts").
#include "batchscope/profiler/verdict.h"

namespace batchscope::profiler::detail {

struct PipelineModel {
    double step_ns = 0;         // measured mean step
    double wait_ns = 0;         // measured mean data wait per step
    double own_ns = 0;          // step - wait: the trainer's own time per step
    double trainer_cpu_ns = 0;  // CPU time the trainer uses per step (compute on compute_threads cores)
    double load_ns = 0;         // building one batch, all parts (0: unknown)
    double storage_ns = 0;      // of which waiting on storage
    double cpu_ns = 0;          // of which CPU work (decode, augment, collate; reads that copy memory)
    double batch = 0;           // mean samples per step
    int cores = 0;
    int parallelism = 0;        // reads the storage overlaps (0: no limit)
    bool load_known() const noexcept { return load_ns > 0; }
};

PipelineModel model_of(const WindowSummary& w, const PipelineContext& c);

// One batch every this often from `workers` loader threads running flat out (0 workers: the
// trainer's thread builds it).
double loader_interval(const PipelineModel& m, int workers);

// The step time with `workers` and `prefetch` (the batch and everything else as measured).
double predicted_step(const PipelineModel& m, int workers, int prefetch);

// The prediction for the same batch size with `workers` / `prefetch`.
Prediction predict_pipeline(const PipelineModel& m, int workers, int prefetch, std::string reason);

// A batch `factor` times larger: the trainer's fixed host cost is shared, copies grow in
// proportion, and compute grows by `compute_ratio` (compute at the larger batch over compute now,
// as the model's forward passes were timed); compute_ratio <= 0 (not timed): in proportion too, a
// lower bound on the gain (small batches compute less per sample's worth). The data wait grows in
// proportion (loading grows with the batch), or, with `handoff` (the workers keep up and the wait
// is the hand-off of each batch), stays what it is per step unless the loader, `factor` times
// slower per batch, then falls behind the trainer (the wait is then the difference).
Prediction predict_batch(const PipelineModel& m, const WindowSummary& w, int workers, double factor, double compute_ratio,
                         bool handoff, std::string reason);

}  // namespace batchscope::profiler::detail
