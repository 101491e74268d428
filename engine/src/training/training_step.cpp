// One iteration of the training loop: fetch a batch, step the model (serial, or pipelined on a
// GPU), account it and record it.
#include <algorithm>

#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/pipelined_step.h"
#include "staged_batch_hold.h"
#include "training_data.h"
#include "training_loop.h"

namespace batchscope::engine {
namespace {

using profiler::Phase;

constexpr size_t kRecentIterations = 300;
constexpr int64_t kSeriesStepNs = 250'000'000;  // one throughput/loss point per 0.25 s
constexpr size_t kMaxSeriesPoints = 4000;       // then halve by merging neighbours
constexpr int64_t kWarmupIterations = 20;       // excluded from steady samples/s (bench_train.py)

void decimate(std::vector<SeriesPoint>& s) {
    if (s.size() <= kMaxSeriesPoints) return;
    std::vector<SeriesPoint> out;
    out.reserve(s.size() / 2 + 1);
    for (size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back({(s[i].t_s + s[i + 1].t_s) / 2, (s[i].value + s[i + 1].value) / 2});
    if (s.size() % 2) out.push_back(s.back());
    s.swap(out);
}

}  // namespace

bool TrainingLoop::iterate() {
    // The next batch could not be staged: the run fails, keeping what it did (before a pause or
    // a stop could hide it).
    if (stage_error_) {
        if (trace_) poll_gpu(true);
        std::rethrow_exception(stage_error_);
    }
    std::vector<KnobCommand> cmds;
    if (!wait_while_paused(cmds)) return false;
    Step s;
    s.t0 = s.t1 = s.t2 = profiler::now_ns();
    // The compute probe after a batch-size change is not part of the iteration.
    if (apply_knobs(cmds, s.t0)) s.t0 = s.t1 = s.t2 = profiler::now_ns();
    if (work_.state == RunState::Paused) {
        run_.publish(true);
        return true;
    }
    switch (fetch(s)) {
        case Fetch::End: return false;
        case Fetch::Empty: return true;
        case Fetch::Batch: break;
    }
    // Linear scaling: the rate follows the batch-size knob (a live change included).
    s.lr = cfg_.scale_lr_with_batch
               ? epoch_.lr * static_cast<float>(s.cur.knob_batch) / static_cast<float>(cfg_.batch_size)
               : epoch_.lr;
    iter_events_.clear();
    if (pipelined_) step_pipelined(s);
    else step_serial(s);
    account(s);
    record(s);
    return true;
}

TrainingLoop::Fetched TrainingLoop::fetched(const Batch& batch, int queue_depth) const {
    return {batch.size,    work_.batch_size, static_cast<size_t>(batch.size) * static_cast<size_t>(features_),
            batch.positions, batch.skipped,  queue_depth, batch.times};
}

// The batch this iteration trains: the one staged ahead (pipelined), else the loader's next,
// converted to float in the compute buffer (and, pipelined, staged: up on the copy stream).
TrainingLoop::Fetch TrainingLoop::fetch(Step& s) {
    s.staged_ahead = epoch_.next.b > 0;
    if (s.staged_ahead) {  // its copy is under way
        s.cur = epoch_.next;
        s.batch = std::move(epoch_.next_batch);
        epoch_.next = {};
        return Fetch::Batch;
    }
    BatchLoader& loader = *epoch_.loader;
    const int depth = loader.ready_count();
    s.batch = loader.next();
    s.t1 = profiler::now_ns();
    if (!s.batch) return Fetch::End;
    epoch_.pos += s.batch->positions;
    work_.samples_skipped += s.batch->skipped;
    if (s.batch->size == 0) {  // every sample of it was skipped
        loader.recycle(std::move(s.batch));
        return Fetch::Empty;
    }
    s.cur = fetched(*s.batch, depth);
    if (pipelined_) {  // up on the copy stream, straight from the batch when it is page-locked
        TrainingTrace::Tag tag(trace_.get(), iteration_);
        s.cur.upload_bytes = stage_batch(*s.batch, s.cur);
        tag.end();
        if (testing_hooks::release_staged_batches_early) epoch_.loader->recycle(std::move(s.batch));
    } else {
        // A copy, or for 8-bit batches the conversion to float (what a GPU does on the device).
        if (input_.size() < s.cur.nx) input_.resize(s.cur.nx);
        to_float(*s.batch, data_.sample_shape, loader.collator(), input_.data());
    }
    s.t2 = profiler::now_ns();
    return Fetch::Batch;
}

// Stages `b` for its step: from the batch's own buffer (page-locked: no copy on the host; else
// the model copies it into its staging slot), 8-bit batches as their bytes where the model converts
// them on the device, else converted into input_ here first.
uint32_t TrainingLoop::stage_batch(const Batch& b, const Fetched& f) {
    model::StagedBatch sb;
    sb.y = b.y.data();
    sb.b = f.b;
    sb.page_locked = host_memory_ != nullptr;
    if (b.format == BatchFormat::Uint8 && model_->device_collate()) {
        const data::Collator& c = epoch_.loader->collator();
        sb.pixels = b.pixels.data();
        sb.scale = c.scale();
        sb.bias = c.bias();
        model_->stage(sb);
        return static_cast<uint32_t>(f.nx);
    }
    if (b.format == BatchFormat::Uint8) {
        if (input_.size() < f.nx) input_.resize(f.nx);
        to_float(b, data_.sample_shape, epoch_.loader->collator(), input_.data());
        sb.x = input_.data();
        sb.page_locked = false;
    } else {
        sb.x = b.x.data();
    }
    model_->stage(sb);
    return static_cast<uint32_t>(f.nx * 4);
}

// A staged batch whose step has finished (or that was dropped, its upload waited for): the loader
// may build into its buffer again.
void TrainingLoop::release_staged(std::unique_ptr<Batch>& b) {
    if (b) epoch_.loader->recycle(std::move(b));
}

void TrainingLoop::step_serial(Step& s) {
    iter_events_.push_back(controller_event(Phase::DataWait, s.t0, s.t1, iteration_));
    TrainingTrace::Tag tag(trace_.get(), iteration_);
    s.loss = model_->train_step(input_.data(), s.batch->y.data(), s.cur.b, s.lr);
    tag.end();
    // On a GPU reading the device's times waits for the step's last kernels, so that t3 is the
    // end of the step's compute, not of its launches.
    int64_t dev_h2d = 0, dev_compute = 0;
    const bool dev_timed = model_->last_step_device_times(dev_h2d, dev_compute);
    s.t3 = profiler::now_ns();
    epoch_.loader->recycle(std::move(s.batch));
    // On a GPU the device's own copy time (CUDA events) extends the host's staging copy; the rest
    // of the step (kernels, the loss read back, launch overhead) is compute.
    const int64_t t_copy = dev_timed ? std::min(s.t3, s.t2 + std::max<int64_t>(0, dev_h2d)) : s.t2;
    iter_events_.push_back(
        controller_event(Phase::H2D, s.t1, t_copy, iteration_, static_cast<uint32_t>(s.cur.nx * 4)));
    iter_events_.push_back(controller_event(Phase::Compute, t_copy, s.t3, iteration_));
}

// Launches this batch's step, then fetches, converts and stages the next batch (tagged with the
// iteration it is for) while this one computes; then waits for the step.
void TrainingLoop::step_pipelined(Step& s) {
    TrainingTrace::Tag tag(trace_.get(), iteration_);
    model_->launch(s.lr);
    profiler::PipelinedStepTimes pt;
    pt.tl = pt.tw = pt.ts = profiler::now_ns();
    if (!run_.stop_requested) {
        pt.next_bytes = stage_next(tag, pt.tw);
        pt.ts = profiler::now_ns();
    }
    tag.end();
    s.loss = model_->finish();
    release_staged(s.batch);  // its step is done, so is its upload
    int64_t dev_h2d = 0, dev_compute = 0;
    pt.device_timed = model_->last_step_device_times(dev_h2d, dev_compute);
    s.t3 = profiler::now_ns();
    // This batch's staging (unless staged ahead) and the copy its step waited for, the launch, the
    // device's compute and the wait for it; the next batch's wait and staging count only where
    // compute does not cover them (pipelined_step.h).
    pt.t0 = s.t0, pt.t1 = s.t1, pt.t2 = s.t2, pt.t3 = s.t3;
    pt.exposed_copy_ns = dev_h2d;
    pt.compute_ns = dev_compute;
    pt.bytes = s.staged_ahead ? 0u : s.cur.upload_bytes;
    profiler::pipelined_step_events(pt, iteration_, iter_events_, &host_staging_);
}

// The next batch, staged for iteration + 1; `tw`: when it was in hand. A failure staging it
// is kept in stage_error_ and raised at the next iteration boundary, once this one is recorded.
uint32_t TrainingLoop::stage_next(TrainingTrace::Tag& tag, int64_t& tw) {
    BatchLoader& loader = *epoch_.loader;
    const int depth = loader.ready_count();
    std::unique_ptr<Batch> nb;
    while ((nb = loader.next())) {
        epoch_.pos += nb->positions;
        work_.samples_skipped += nb->skipped;
        if (nb->size > 0) break;
        loader.recycle(std::move(nb));  // every sample of it was skipped
    }
    tw = profiler::now_ns();
    if (!nb) return 0;
    Fetched f = fetched(*nb, depth);
    tag.retag(iteration_ + 1);
    try {
        f.upload_bytes = stage_batch(*nb, f);
    } catch (...) {
        stage_error_ = std::current_exception();
        epoch_.pos -= nb->positions;  // not trained: the epoch's progress stops before it
        // A part of it may have been queued: its buffer goes back to the loader once nothing
        // reads it. If that wait fails, it is freed instead (freeing page-locked memory waits for
        // the device), never reused.
        bool idle = true;
        if (GpuBackend* g = model_->gpu_backend()) {
            try {
                g->synchronize(GpuStream::copy);
            } catch (...) {
                idle = false;
            }
        }
        if (idle) release_staged(nb);
        return 0;
    }
    epoch_.next = f;
    if (testing_hooks::release_staged_batches_early) release_staged(nb);
    else epoch_.next_batch = std::move(nb);  // held until its step has finished
    return f.upload_bytes;
}

// The iteration's bookkeeping (it counts as "host" time: it ends the iteration): epoch sums, the
// throughput and loss series, the run's counters, the published snapshot.
void TrainingLoop::account(const Step& s) {
    Epoch& e = epoch_;
    const int b = s.cur.b;
    e.samples += b;
    e.queue_depth_sum += s.cur.queue_depth;
    ++e.iterations;
    e.loss_sum += static_cast<double>(s.loss) * b;
    win_.samples += b;
    win_.loss_sum += static_cast<double>(s.loss) * b;
    if (e.iterations == kWarmupIterations + 1) e.steady_start_ns = s.t0;
    if (e.iterations > kWarmupIterations) e.steady_samples += b;
    run_.drain_events();  // keeps the rings from filling
    if (s.t3 - win_.start_ns >= kSeriesStepNs) {
        const double dt = static_cast<double>(s.t3 - win_.start_ns) / 1e9;
        const double ts = static_cast<double>(s.t3 - run_.run_start_ns) / 1e9;
        work_.throughput.push_back({ts, static_cast<double>(win_.samples) / dt});
        work_.loss.push_back({ts, win_.loss_sum / static_cast<double>(std::max<int64_t>(1, win_.samples))});
        decimate(work_.throughput);
        decimate(work_.loss);
        win_ = {s.t3, 0, 0};
    }
    work_.iterations_done = iteration_ + 1;
    work_.samples_done += b;
    work_.epoch_progress = static_cast<double>(trained_pos()) / static_cast<double>(e.order.size());
    if (profiler::now_ns() - run_.last_publish_ns >= TrainingRun::Impl::kPublishEveryNs || iteration_ == 0) {
        work_.loader = e.stats;
        accumulate(work_.loader, e.loader->stats());
        account_memory();
        work_.learning_rate = s.lr;
        if (trace_) work_.device.host_staging_bytes = model_->host_staging_bytes();
    }
    run_.publish(false);
}

// Host memory: the model's buffers (they grow with the batch), the loader's batches and the
// compute input buffer.
void TrainingLoop::account_memory() {
    const model::ModelMemory m = model_->memory();
    const int64_t loader_bytes = epoch_.loader->buffer_bytes();
    work_.memory = {m.weights,     m.gradients, m.optimizer_state, m.activations,
                    m.workspace, loader_bytes + static_cast<int64_t>(input_.capacity() * sizeof(float))};
}

// The iteration's events and record: finished now, or (CUPTI) once its GPU records are in.
void TrainingLoop::record(const Step& s) {
    const int64_t t4 = profiler::now_ns();
    for (const profiler::Event& e : iter_events_) run_.tracer.record(e);
    run_.tracer.record(controller_event(Phase::Iteration, s.t0, t4, iteration_));
    IterationRecord rec;
    rec.iteration = iteration_;
    rec.epoch = epoch_.number;
    rec.batch_size = s.cur.b;
    rec.start_ns = s.t0;
    rec.end_ns = t4;
    rec.breakdown = profiler::compute_breakdown(s.t0, t4, iter_events_);  // CUDA events on a GPU
    rec.loss = s.loss;
    rec.queue_depth = s.cur.queue_depth;
    rec.load = s.cur.times;
    rec.skipped = s.cur.skipped;
    if (trace_) {
        // The host's parts (data waits, its staging copies) now, the GPU's from its records.
        if (!pipelined_) host_staging_ = {iter_events_[0], controller_event(Phase::H2D, s.t1, s.t2, iteration_)};
        trace_->add(rec, host_staging_, [this](const IterationRecord& r) { finish_iteration(r); });
        poll_gpu(false);
    } else {
        finish_iteration(rec);
    }
    epoch_.end_ns = t4;
    ++iteration_;
}

// An iteration's record, once its breakdown is final.
void TrainingLoop::finish_iteration(const IterationRecord& rec) {
    epoch_.bd_sum += rec.breakdown;
    work_.run_breakdown += rec.breakdown;
    ++work_.run_breakdown_iterations;
    run_.recent.push_back(rec);
    if (run_.sink) run_.sink->on_iteration(rec);
    if (run_.recent.size() > kRecentIterations) run_.recent.pop_front();
}

void TrainingLoop::poll_gpu(bool forced) {
    trace_->poll(forced, work_.device, [this](const IterationRecord& r) { finish_iteration(r); });
}

}  // namespace batchscope::engine
