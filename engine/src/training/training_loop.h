#pragma once
// Internal: the training loop of a TrainingRun, on its controller thread. open() loads the data and
// builds the model; each epoch fetches batches from a loader, steps the model (one step at a time,
// or pipelined on a GPU: the next batch staged while this one computes), records each iteration
// (accounting, the series, the published snapshot), applies knob changes and pauses at iteration
// boundaries, and evaluates; finish() ends the run. The GPU's timing and CUPTI join are behind
// TrainingTrace. Failures are thrown; TrainingRun::Impl::run_controller reports them.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/loader/batch_pool.h"
#include "batchscope/engine/loader/host_memory.h"
#include "batchscope/engine/data/open_data.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/loader/sampler.h"
#include "training_run_impl.h"
#include "training_trace.h"

namespace batchscope::engine {

// An event of the training loop's own lane.
inline profiler::Event controller_event(profiler::Phase p, int64_t start, int64_t end, int64_t id, uint32_t bytes = 0) {
    return profiler::make_event(p, start, end, profiler::Lane{profiler::LaneKind::Controller, 0}, id, bytes);
}

class TrainingLoop {
public:
    // What the out-of-memory advice needs; kept by the caller, whose handler runs once the loop
    // (and every buffer of it) is gone.
    struct MemoryEstimate {
        int64_t fixed_bytes = 0;          // weights, gradients, optimizer state, workspace
        int64_t model_per_sample = 0;     // activations and the compute input
        int64_t batch_bytes_per_sample = 0;  // one loader batch's share of a sample
        int held_batches = 1;  // batches out of the loader: the one training (pipelined: + the one staged)
        // Per sample with the loader's batches (prefetched + being built + held) at the knobs in effect.
        int64_t bytes_per_sample(int prefetch_depth, int workers) const noexcept {
            return model_per_sample + batch_bytes_per_sample * (prefetch_depth + std::max(1, workers) + held_batches);
        }
    };

    TrainingLoop(TrainingRun::Impl& run, MemoryEstimate& estimate);
    ~TrainingLoop();
    TrainingLoop(const TrainingLoop&) = delete;
    TrainingLoop& operator=(const TrainingLoop&) = delete;

    void run();  // open, every epoch, finish (training_loop.cpp)

private:
    // What the loop keeps of a batch once its data has gone to the model.
    struct Fetched {
        int b = 0;
        int knob_batch = 0;   // the batch-size knob when it was fetched (its learning rate follows it)
        size_t nx = 0;        // floats of input
        int64_t positions = 0;
        int skipped = 0;
        int queue_depth = 0;  // ready batches when it was asked for
        BatchTimes times;
        uint32_t upload_bytes = 0;  // pipelined: bytes its input upload moves (1 a pixel for 8-bit batches)
    };
    // One iteration on its way through fetch, step and record.
    struct Step {
        int64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;  // begin, batch in hand, staged, step done
        Fetched cur;
        // The serial path trains from it; pipelined, the staged batch, held until its step has
        // finished (its upload may read the buffer until then).
        std::unique_ptr<Batch> batch;
        bool staged_ahead = false;     // pipelined: staged during the previous iteration
        float lr = 0.f, loss = 0.f;
    };
    // The state of the epoch under way.
    struct Epoch {
        int number = 0;
        std::vector<uint32_t> order;
        data::AugmentOptions augment;
        float lr = 0.f;
        std::unique_ptr<BatchLoader> loader;
        LoaderStats stats;  // loaders replaced during the epoch
        int64_t queue_depth_sum = 0;
        int64_t pos = 0, samples = 0, iterations = 0, paused_ns = 0;
        int64_t steady_start_ns = 0, steady_samples = 0;
        int64_t start_ns = 0, end_ns = 0;
        double loss_sum = 0;
        profiler::Breakdown bd_sum;
        // Pipelined runs: the batch staged for the next iteration (its positions are consumed
        // from the loader, not yet trained). b == 0: none. next_batch: its buffer, held (not given
        // back to the loader) until the step that trains it has finished.
        Fetched next;
        std::unique_ptr<Batch> next_batch;
    };
    enum class Fetch { Batch, Empty, End };

    // training_loop.cpp: the run and its epochs.
    void open();
    void open_model();
    bool run_epoch(int number);  // false: no iteration ran (the run ends)
    bool close_epoch();
    void evaluate_epoch(EpochRecord& er, int64_t trained);
    void finish();
    // training_loop_control.cpp: pauses, knobs, loaders.
    bool wait_while_paused(std::vector<KnobCommand>& cmds);  // false: stop requested
    bool apply_knobs(const std::vector<KnobCommand>& cmds, int64_t t0);  // true: the compute probe ran
    // training_loop.cpp: the model's forward pass timed at the batch size in effect and at four
    // times it (the verdict's batch-size advice), between steps, with no loader running.
    void time_compute();
    std::unique_ptr<BatchLoader> make_loader();
    void keep_pool_for_knobs();
    int64_t trained_pos() const noexcept { return epoch_.pos - epoch_.next.positions; }
    // The first iteration a batch fetched from now on will train in (one later while a batch is
    // staged): a new loader's first batch id, and where a knob change takes effect.
    int64_t next_fetch_iteration() const noexcept { return iteration_ + (epoch_.next.b > 0 ? 1 : 0); }
    // training_step.cpp: one iteration.
    bool iterate();  // false: the epoch ends
    Fetch fetch(Step& s);
    void step_serial(Step& s);
    void step_pipelined(Step& s);
    uint32_t stage_next(TrainingTrace::Tag& tag, int64_t& tw);  // bytes staged for the next iteration, 0: none
    uint32_t stage_batch(const Batch& b, const Fetched& f);  // model_->stage; the bytes its upload moves
    void release_staged(std::unique_ptr<Batch>& b);  // its step has finished: back to the loader
    void account(const Step& s);
    void record(const Step& s);
    void finish_iteration(const IterationRecord& rec);
    void poll_gpu(bool forced);
    void account_memory();
    Fetched fetched(const Batch& batch, int queue_depth) const;

    TrainingRun::Impl& run_;
    const TrainConfig& cfg_;
    RunSnapshot& work_;
    MemoryEstimate& estimate_;

    // Declared in the order they must be built; destroyed in reverse (the loader first, the data last).
    data::OpenedData data_;
    int features_ = 0;  // input floats (or bytes) per sample
    model::LrSchedule schedule_;
    std::unique_ptr<model::Model> model_;
    std::unique_ptr<TrainingTrace> trace_;  // GPU backend only; detaches from the model's backend first
    std::optional<EpochSampler> sampler_;
    // The compute buffer a batch is copied into ("h2d" on the CPU); pipelined on a GPU, only an
    // 8-bit batch the model cannot convert on the device is converted into it.
    std::vector<float> input_;
    // Pipelined on a GPU with pinned_memory: page-locked memory of the model's GPU backend, where
    // the loaders build their batches, so that each goes up with no copy on the host.
    std::unique_ptr<HostMemory> host_memory_;
    // Batch buffers shared by the loaders of the run (one per epoch, and one after each live knob
    // change): allocated and first touched once, not once per loader. Freed after a batch-size
    // change. Made once the model is open (from host_memory_).
    std::optional<BatchPool> batch_pool_;
    bool pipelined_ = false;
    // The next batch could not be staged: raised at the next iteration boundary, once this one is recorded.
    std::exception_ptr stage_error_;
    int64_t iteration_ = 0;
    struct SeriesWindow {  // rolling accumulator for the throughput and loss series
        int64_t start_ns = 0;
        int64_t samples = 0;
        double loss_sum = 0;  // sum of per-sample losses
    } win_;
    std::vector<profiler::Event> iter_events_, host_staging_;
    Epoch epoch_;
};

}  // namespace batchscope::engine
