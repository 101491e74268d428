// The controller thread of a training run: loads the data, runs the epochs, applies knob
// changes at iteration boundaries, accounts every iteration, publishes snapshots.
#include <algorithm>
#include <cstring>
#include <exception>
#include <new>

#include "batchscope/engine/batch_loader.h"
#include "batchscope/engine/data/open_data.h"
#include "batchscope/engine/memory_fit.h"
#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/sampler.h"
#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/pipelined_step.h"
#include "gpu_run_trace.h"
#include "training_checkpoint.h"
#include "training_checks.h"
#include "training_data.h"
#include "training_run_impl.h"

namespace batchscope::engine {
namespace {

using profiler::Event;
using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

constexpr size_t kRecentIterations = 300;
constexpr int64_t kPublishEveryNs = 33'000'000;  // ~30 Hz
constexpr int64_t kSeriesStepNs = 250'000'000;   // one throughput/loss point per 0.25 s
constexpr size_t kMaxSeriesPoints = 4000;        // then halve by merging neighbours
constexpr int64_t kWarmupIterations = 20;        // excluded from steady samples/s (bench_train.py)

const Lane kController{LaneKind::Controller, 0};

Event controller_event(Phase p, int64_t start, int64_t end, int64_t id, uint32_t bytes = 0) {
    return profiler::make_event(p, start, end, kController, id, bytes);
}

void decimate(std::vector<SeriesPoint>& s) {
    if (s.size() <= kMaxSeriesPoints) return;
    std::vector<SeriesPoint> out;
    out.reserve(s.size() / 2 + 1);
    for (size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back({(s[i].t_s + s[i + 1].t_s) / 2, (s[i].value + s[i + 1].value) / 2});
    if (s.size() % 2) out.push_back(s.back());
    s.swap(out);
}

// The model on the backend the configuration asks for. The CUDA backend is never a silent choice
// either way: when it cannot be used the run fails, saying why and what to do.
std::unique_ptr<model::Model> make_training_model(const TrainConfig& cfg, const model::ModelSpec& spec, model::Shape in,
                                                  int classes, const model::OptimizerConfig& opt) {
    if (cfg.backend != "cuda") return model::make_model(spec, in, classes, opt, cfg.seed, cfg.threads);
    GpuBackendOptions o;
    o.tf32 = cfg.tf32;
    std::string why;
    std::unique_ptr<GpuBackend> gpu = GpuBackend::open(o, why);
    if (!gpu) throw std::runtime_error("GPU unavailable: " + why + " (train on the CPU with backend cpu)");
    return model::make_gpu_training_model(std::move(gpu), spec, in, classes, opt, cfg.seed, cfg.batch_size);
}

// What the training loop keeps of a batch once its data has gone to the model.
struct Fetched {
    int b = 0;
    int knob_batch = 0;  // the batch-size knob when it was fetched (its learning rate follows it)
    size_t nx = 0;  // floats of input
    int64_t positions = 0;
    int skipped = 0;
    int queue_depth = 0;  // ready batches when it was asked for
    BatchTimes times;
};
Fetched fetched(const Batch& batch, int knob_batch, int queue_depth, int features) {
    return {batch.size, knob_batch, static_cast<size_t>(batch.size) * static_cast<size_t>(features), batch.positions,
            batch.skipped, queue_depth, batch.times};
}

// Rolling accumulator for the throughput and loss series.
struct SeriesWindow {
    int64_t start_ns = 0;
    int64_t samples = 0;
    double loss_sum = 0;  // sum of per-sample losses
};

}  // namespace

void TrainingRun::Impl::publish(bool force) {
    const int64_t now = profiler::now_ns();
    if (!force && now - last_publish_ns < kPublishEveryNs) return;
    last_publish_ns = now;
    work.elapsed_s = run_start_ns ? static_cast<double>(now - run_start_ns) / 1e9 : 0.0;
    work.dropped_events = tracer.dropped();
    auto s = std::make_shared<RunSnapshot>(work);
    s->recent.assign(recent.begin(), recent.end());
    s->events = events.window(RunSnapshot::kSnapshotEvents);
    s->events_evicted = events.evicted();
    std::lock_guard lock(snap_m);
    snap = std::move(s);
}

void TrainingRun::Impl::controller_main() {
    run_start_ns = profiler::now_ns();
    work.state = RunState::Loading;
    work.message = "loading the data";
    publish(true);
    int64_t fixed_bytes = 0, bytes_per_sample = 0;  // for the out-of-memory advice
    try {
        if (auto err = validate(cfg); !err.empty()) throw std::invalid_argument(err);
        const data::OpenedData data = data::open_training_data(cfg);
        const int features = static_cast<int>(data.sample_shape.bytes());
        work.dataset = data.description;
        work.test_samples = data.test ? data.test->count() : 0;

        const model::ModelSpec spec = model::parse_model_spec(cfg.model);
        model::OptimizerConfig opt;
        opt.kind = model::parse_optimizer(cfg.optimizer);
        opt.momentum = cfg.momentum;
        opt.weight_decay = cfg.weight_decay;
        const model::LrSchedule schedule = model::parse_lr_schedule(cfg.lr_schedule);
        const model::Shape in_shape{data.sample_shape.channels, data.sample_shape.height, data.sample_shape.width};
        refuse_if_out_of_memory(cfg, spec, in_shape, data.train->classes(), opt.kind);  // before any weight is allocated
        const std::unique_ptr<model::Model> net = make_training_model(cfg, spec, in_shape, data.train->classes(), opt);
        model::Model& model = *net;
        work.model = model.describe();
        work.model_spec = spec.canonical();
        work.optimizer = opt.kind == model::OptimizerKind::Sgd ? std::string("sgd, momentum ") + std::to_string(opt.momentum).substr(0, 4)
                                                               : std::string("adam");
        if (opt.weight_decay > 0.f) work.optimizer += std::string(", weight decay ") + std::to_string(opt.weight_decay);
        if (schedule.kind != model::LrScheduleKind::None) work.optimizer += ", lr schedule " + schedule.canonical();
        if (cfg.scale_lr_with_batch) work.optimizer += ", lr scaled with the batch size";
        work.parameters = model.parameter_count();
        work.flops_per_sample = model.flops_per_train_sample();
        work.backend = model.backend();
        // The GPU backend: CUPTI records when the collector starts, else CUDA events (and why).
        std::unique_ptr<GpuRunTrace> gpu_trace;
        if (GpuBackend* g = model.gpu_backend()) {
            gpu_trace = std::make_unique<GpuRunTrace>(*g, cfg.cupti);
            work.gpu_timing = gpu_trace->timing();
            gpu_trace->fill(work.device, profiler::now_ns(), true);
        }
        std::deque<IterationRecord> held;  // CUPTI: finished iterations waiting for their GPU records
        std::vector<Event> gpu_events;
        std::vector<profiler::GpuIterationJoin::Joined> joined;
        // Drains the GPU records: stream-lane events to the store and the sink, the iterations
        // whose records are in to `finish`, the device view.
        auto poll_gpu = [&](bool forced, auto&& finish) {
            const int64_t now = profiler::now_ns();
            gpu_events.clear();
            joined.clear();
            gpu_trace->poll(now, forced, gpu_events, joined);
            if (!gpu_events.empty() && cfg.trace) {
                events.append(gpu_events);
                if (sink) sink->on_events(gpu_events);
            }
            for (const profiler::GpuIterationJoin::Joined& j : joined) {
                while (!held.empty() && held.front().iteration < j.id) held.pop_front();  // never: ids match
                if (held.empty() || held.front().iteration != j.id) continue;
                IterationRecord rec = std::move(held.front());
                held.pop_front();
                rec.breakdown = j.breakdown;
                finish(rec);
            }
            gpu_trace->fill(work.device, now, forced);
        };
        {
            const model::ModelMemory m = model.memory();
            fixed_bytes = m.weights + m.gradients + m.optimizer_state + m.workspace;
            // Activations, the compute input, and the loader's batches (prefetched + being built).
            bytes_per_sample = model.activation_bytes_per_sample() + int64_t{features} * 4 +
                               (int64_t{features} * 4 + 4) * (cfg.prefetch_depth + std::max(1, cfg.workers) + 1);
        }
        // Host memory: the model's buffers (they grow with the batch), the loader's batches and the
        // compute input buffer.
        auto account_memory = [&](const std::vector<float>& in, int64_t loader_bytes) {
            const model::ModelMemory m = model.memory();
            work.memory = {m.weights,   m.gradients,
                           m.optimizer_state, m.activations,
                           m.workspace, loader_bytes + static_cast<int64_t>(in.capacity() * sizeof(float))};
        };
        const EpochSampler sampler(data.train->count(), cfg.seed, cfg.shuffle,
                                   {cfg.rank, cfg.world_size, cfg.drop_last});
        work.train_samples = sampler.shard_size();
        std::vector<float> input;  // the compute buffer the batch is copied into ("h2d" on the CPU)
        int64_t iteration = 0;
        SeriesWindow win{profiler::now_ns(), 0, 0};
        std::vector<Event> iter_events, host_staging;
        iter_events.reserve(8);
        // Pipelined GPU models: batch k+1 is staged (copied up on the copy stream) while k computes;
        // a failure staging it is raised at the next iteration boundary, once k is recorded.
        const bool pipelined = model.pipelined() && gpu_trace != nullptr;
        std::exception_ptr stage_error;
        // Batch buffers shared by the loaders of the run (one per epoch, and one after each live
        // knob change): allocated and first touched once, not once per loader. Freed after a
        // batch-size change.
        BatchPool batch_pool;
        work.state = RunState::Running;
        work.message.clear();

        for (int epoch = 1; epoch <= cfg.epochs && !stop_requested; ++epoch) {
            const std::vector<uint32_t> order = sampler.order(epoch);
            work.epoch = epoch;
            data.train->begin_epoch();
            const data::AugmentOptions augment = epoch_augment(data.train_augment, cfg.seed, epoch);
            const float epoch_lr = model::learning_rate_at(schedule, cfg.learning_rate, epoch, cfg.epochs);
            LoaderStats epoch_stats;  // loaders replaced during the epoch
            int64_t queue_depth_sum = 0;
            int64_t epoch_pos = 0, epoch_samples = 0, epoch_iters = 0, paused_ns = 0;
            int64_t steady_start_ns = 0, steady_samples = 0;
            double loss_sum = 0;
            profiler::Breakdown bd_sum;
            // Pipelined runs: the batch staged for the next iteration (its positions are consumed
            // from the loader, not yet trained).
            Fetched next;  // b == 0: none
            auto trained_pos = [&] { return epoch_pos - next.positions; };
            // The first iteration a batch fetched from now on will train in (one later while a
            // batch is staged): a new loader's first batch id, and where a knob change takes effect.
            auto next_fetch_iteration = [&] { return iteration + (next.b > 0 ? 1 : 0); };
            auto make_loader = [&] {
                LoaderOptions o{work.batch_size, work.workers,  work.prefetch_depth, cfg.drop_last,
                                cfg.on_error,     data.sample_shape, augment,
                                cfg.uint8_batches ? BatchFormat::Uint8 : BatchFormat::Float32};
                o.pool = &batch_pool;
                return std::make_unique<BatchLoader>(*data.train, order, epoch_pos, o, &tracer, next_fetch_iteration());
            };
            // An iteration's record, once its breakdown is final.
            auto finish_iteration = [&](const IterationRecord& rec) {
                bd_sum += rec.breakdown;
                work.run_breakdown += rec.breakdown;
                ++work.run_breakdown_iterations;
                recent.push_back(rec);
                if (sink) sink->on_iteration(rec);
                if (recent.size() > kRecentIterations) recent.pop_front();
            };
            auto loader = make_loader();
            const int64_t epoch_start = profiler::now_ns();
            int64_t epoch_end = epoch_start;

            for (;;) {
                // The next batch could not be staged: the run fails, keeping what it did (before a
                // pause or a stop could hide it).
                if (stage_error) {
                    if (gpu_trace) poll_gpu(true, finish_iteration);
                    std::rethrow_exception(stage_error);
                }
                // Pause (knob changes still apply while paused).
                std::vector<KnobCommand> cmds;
                {
                    std::unique_lock lock(ctl_m);
                    if (paused && !stop_requested) {
                        if (gpu_trace) {  // the held iterations get their GPU records before the pause
                            lock.unlock();  // no CUPTI call under a lock
                            poll_gpu(true, finish_iteration);
                            lock.lock();
                        }
                        work.state = RunState::Paused;
                        publish(true);
                        const int64_t p0 = profiler::now_ns();
                        while (paused && !stop_requested) {
                            ctl_cv.wait_for(lock, std::chrono::milliseconds(50));
                            if (!commands.empty()) break;
                        }
                        paused_ns += profiler::now_ns() - p0;
                        if (!paused) work.state = RunState::Running;
                    }
                    cmds.swap(commands);
                }
                if (stop_requested) break;
                const int64_t t0 = profiler::now_ns();
                bool rebuild = false, batch_size_changed = false;
                for (const KnobCommand& c : cmds) {
                    int* target = c.knob == "batch_size"        ? &work.batch_size
                                  : c.knob == "prefetch_depth"  ? &work.prefetch_depth
                                  : c.knob == "storage_profile" ? &work.storage_profile
                                                                : &work.workers;
                    if (*target == c.value) continue;
                    // It applies from the next batch fetched (a staged batch keeps the old values).
                    work.knob_changes.push_back({t0, next_fetch_iteration(), c.knob, *target, c.value});
                    if (sink) sink->on_knob_change(work.knob_changes.back());
                    *target = c.value;
                    if (c.knob == "prefetch_depth") {
                        loader->set_prefetch_depth(c.value);
                    } else if (c.knob == "storage_profile") {  // the next read uses it
                        data.storage->set_profile(static_cast<data::StorageKind>(c.value));
                        work.storage = data::storage_profile(data.storage->profile()).name;
                        data.train->begin_epoch();
                    } else {
                        rebuild = true;
                        batch_size_changed |= c.knob == "batch_size";
                    }
                }
                if (rebuild) {
                    // Batches built ahead at the old size are dropped and rebuilt from the first
                    // sample not yet consumed: nothing is lost or repeated.
                    accumulate(epoch_stats, loader->stats());
                    loader.reset();
                    if (batch_size_changed) batch_pool.release_idle();  // no buffers of the old size kept
                    loader = make_loader();
                }
                if (work.state == RunState::Paused) {
                    publish(true);
                    continue;
                }

                int queue_depth = 0;
                std::unique_ptr<Batch> batch;  // the CPU path trains from it; a staged batch is already up
                Fetched cur;
                int64_t t1 = t0, t2 = t0;
                const bool staged_ahead = next.b > 0;
                if (staged_ahead) {  // pipelined: staged during the previous iteration, its copy under way
                    cur = next;
                    next = {};
                    queue_depth = cur.queue_depth;
                } else {
                    queue_depth = loader->ready_count();
                    batch = loader->next();
                    t1 = profiler::now_ns();
                    if (!batch) break;
                    epoch_pos += batch->positions;
                    work.samples_skipped += batch->skipped;
                    if (batch->size == 0) {  // every sample of it was skipped
                        loader->recycle(std::move(batch));
                        continue;
                    }
                    cur = fetched(*batch, work.batch_size, queue_depth, features);
                    if (input.size() < cur.nx) input.resize(cur.nx);
                    // A copy, or for 8-bit batches the conversion to float (what a GPU does on the device).
                    to_float(*batch, data.sample_shape, loader->collator(), input.data());
                    if (pipelined) {  // into page-locked memory, up on the copy stream
                        gpu_trace->begin_step(iteration);
                        model.stage(input.data(), batch->y.data(), cur.b);
                        gpu_trace->end_step();
                        loader->recycle(std::move(batch));
                    }
                    t2 = profiler::now_ns();
                }
                const int b = cur.b;
                const size_t nx = cur.nx;
                // Linear scaling: the rate follows the batch-size knob (a live change included).
                const float lr = cfg.scale_lr_with_batch ? epoch_lr * static_cast<float>(cur.knob_batch) /
                                                               static_cast<float>(cfg.batch_size)
                                                         : epoch_lr;
                float loss = 0.f;
                int64_t t3 = 0;
                iter_events.clear();
                if (!pipelined) {
                    iter_events.push_back(controller_event(Phase::DataWait, t0, t1, iteration));
                    if (gpu_trace) gpu_trace->begin_step(iteration);
                    loss = model.train_step(input.data(), batch->y.data(), b, lr);
                    if (gpu_trace) gpu_trace->end_step();
                    // On a GPU reading the device's times waits for the step's last kernels, so that t3
                    // is the end of the step's compute, not of its launches.
                    int64_t dev_h2d = 0, dev_compute = 0;
                    const bool dev_timed = model.last_step_device_times(dev_h2d, dev_compute);
                    t3 = profiler::now_ns();
                    loader->recycle(std::move(batch));
                    // On a GPU the device's own copy time (CUDA events) extends the host's staging copy;
                    // the rest of the step (kernels, the loss read back, launch overhead) is compute.
                    const int64_t t_copy = dev_timed ? std::min(t3, t2 + std::max<int64_t>(0, dev_h2d)) : t2;
                    iter_events.push_back(controller_event(Phase::H2D, t1, t_copy, iteration, static_cast<uint32_t>(nx * 4)));
                    iter_events.push_back(controller_event(Phase::Compute, t_copy, t3, iteration));
                } else {
                    // Pipelined (GPU): launch this batch's step, then fetch, convert and stage the next
                    // batch (tagged with the iteration it is for) while this one computes; then wait.
                    gpu_trace->begin_step(iteration);
                    model.launch(lr);
                    const int64_t tl = profiler::now_ns();
                    int64_t tw = tl, ts = tl;
                    uint32_t next_bytes = 0;
                    if (!stop_requested) {
                        const int depth = loader->ready_count();
                        std::unique_ptr<Batch> nb;
                        while ((nb = loader->next())) {
                            epoch_pos += nb->positions;
                            work.samples_skipped += nb->skipped;
                            if (nb->size > 0) break;
                            loader->recycle(std::move(nb));  // every sample of it was skipped
                        }
                        tw = profiler::now_ns();
                        if (nb) {
                            const Fetched f = fetched(*nb, work.batch_size, depth, features);
                            if (input.size() < f.nx) input.resize(f.nx);
                            to_float(*nb, data.sample_shape, loader->collator(), input.data());
                            gpu_trace->begin_step(iteration + 1);
                            try {
                                model.stage(input.data(), nb->y.data(), f.b);
                                next = f;
                                next_bytes = static_cast<uint32_t>(f.nx * 4);
                            } catch (...) {  // said at the next iteration boundary, after this one is recorded
                                stage_error = std::current_exception();
                                epoch_pos -= nb->positions;  // not trained: the epoch's progress stops before it
                            }
                            loader->recycle(std::move(nb));
                        }
                        ts = profiler::now_ns();
                    }
                    gpu_trace->end_step();
                    loss = model.finish();
                    int64_t dev_h2d = 0, dev_compute = 0;
                    const bool dev_timed = model.last_step_device_times(dev_h2d, dev_compute);
                    t3 = profiler::now_ns();
                    // This batch's staging (unless staged ahead) and the copy its step waited for,
                    // the launch, the device's compute and the wait for it; the next batch's wait and
                    // staging count only where compute does not cover them (pipelined_step.h).
                    profiler::PipelinedStepTimes pt;
                    pt.t0 = t0, pt.t1 = t1, pt.t2 = t2, pt.tl = tl, pt.tw = tw, pt.ts = ts, pt.t3 = t3;
                    pt.device_timed = dev_timed;
                    pt.exposed_copy_ns = dev_h2d;
                    pt.compute_ns = dev_compute;
                    pt.bytes = staged_ahead ? 0u : static_cast<uint32_t>(nx * 4);
                    pt.next_bytes = next_bytes;
                    profiler::pipelined_step_events(pt, iteration, iter_events, &host_staging);
                }
                const BatchTimes load_times = cur.times;
                const int skipped = cur.skipped;
                // Bookkeeping below is "host" time: it ends the iteration.
                epoch_samples += b;
                queue_depth_sum += queue_depth;
                ++epoch_iters;
                loss_sum += static_cast<double>(loss) * b;
                win.samples += b;
                win.loss_sum += static_cast<double>(loss) * b;
                if (epoch_iters == kWarmupIterations + 1) steady_start_ns = t0;
                if (epoch_iters > kWarmupIterations) steady_samples += b;
                drain_events();  // keeps the rings from filling
                if (t3 - win.start_ns >= kSeriesStepNs) {
                    const double dt = static_cast<double>(t3 - win.start_ns) / 1e9;
                    const double ts = static_cast<double>(t3 - run_start_ns) / 1e9;
                    work.throughput.push_back({ts, static_cast<double>(win.samples) / dt});
                    work.loss.push_back({ts, win.loss_sum / static_cast<double>(std::max<int64_t>(1, win.samples))});
                    decimate(work.throughput);
                    decimate(work.loss);
                    win = {t3, 0, 0};
                }
                work.iterations_done = iteration + 1;
                work.samples_done += b;
                work.epoch_progress = static_cast<double>(trained_pos()) / static_cast<double>(order.size());
                if (profiler::now_ns() - last_publish_ns >= kPublishEveryNs || iteration == 0) {
                    work.loader = epoch_stats;
                    accumulate(work.loader, loader->stats());
                    account_memory(input, loader->buffer_bytes());
                    work.learning_rate = lr;
                }
                publish(false);

                const int64_t t4 = profiler::now_ns();
                for (const Event& e : iter_events) tracer.record(e);
                tracer.record(controller_event(Phase::Iteration, t0, t4, iteration));
                IterationRecord rec;
                rec.iteration = iteration;
                rec.epoch = epoch;
                rec.batch_size = b;
                rec.start_ns = t0;
                rec.end_ns = t4;
                rec.breakdown = profiler::compute_breakdown(t0, t4, iter_events);  // CUDA events on a GPU
                rec.loss = loss;
                rec.queue_depth = queue_depth;
                rec.load = load_times;
                rec.skipped = skipped;
                if (gpu_trace && gpu_trace->cupti()) {
                    // The host's parts (data waits, its staging copies) now, the GPU's from its records;
                    // the CUDA-event breakdown stays as the fallback if no record of it arrives.
                    if (!pipelined) host_staging = {iter_events[0], controller_event(Phase::H2D, t1, t2, iteration)};
                    gpu_trace->hold(iteration, t0, t4, host_staging, rec.breakdown);
                    held.push_back(rec);
                } else {
                    finish_iteration(rec);
                }
                if (gpu_trace) poll_gpu(false, finish_iteration);
                epoch_end = t4;
                ++iteration;
            }
            // A batch staged for an iteration that will not run (a stop): forgotten, not trained.
            const int64_t epoch_trained = trained_pos();
            if (next.b > 0) {
                model.drop_staged();
                next = {};
            }
            if (gpu_trace) poll_gpu(true, finish_iteration);  // forced: the epoch's records are all in
            accumulate(epoch_stats, loader->stats());
            loader.reset();  // its buffers stay in the pool for the next epoch (evaluation's are at most 64 MiB a batch)
            work.loader = epoch_stats;
            if (epoch_iters == 0) break;

            EpochRecord er;
            er.epoch = epoch;
            er.samples = epoch_samples;
            er.iterations = epoch_iters;
            er.train_loss = loss_sum / static_cast<double>(epoch_samples);
            er.wall_s = static_cast<double>(epoch_end - epoch_start - paused_ns) / 1e9;
            er.samples_per_s = er.wall_s > 0 ? static_cast<double>(epoch_samples) / er.wall_s : 0;
            if (steady_samples > 0 && epoch_end > steady_start_ns)
                er.steady_samples_per_s =
                    static_cast<double>(steady_samples) / (static_cast<double>(epoch_end - steady_start_ns) / 1e9);
            er.mean_breakdown = profiler::mean_breakdown(bd_sum, epoch_iters);
            fill_loader_fields(er, epoch_stats, queue_depth_sum, epoch_iters, *data.storage);
            if (stop_requested && epoch_trained < static_cast<int64_t>(order.size())) {
                er.test_accuracy = -1;  // partial epoch: not evaluated
            } else {
                const int64_t e0 = profiler::now_ns();
                er.test_accuracy = evaluate(model, data, work.workers);
                tracer.record(controller_event(Phase::Evaluate, e0, profiler::now_ns(), epoch));
            }
            work.epochs_done.push_back(er);
            if (sink) sink->on_epoch(er);
            publish(true);
        }
        if (gpu_trace) poll_gpu(true, [](const IterationRecord&) {});  // evaluation's GPU work
        refuse_if_nothing_trained(cfg, work, stop_requested);
        if (!cfg.checkpoint_path.empty() && work.iterations_done > 0) save_training_checkpoint(cfg, model, data, work);
        work.state = stop_requested ? RunState::Stopped : RunState::Finished;
        work.message = stop_requested ? "stopped by the user" : "finished";
        if (gpu_trace) work.message += gpu_trace->incomplete_note();
    } catch (const std::bad_alloc&) {
        work.state = RunState::Failed;
        work.message = "out of memory at batch size " + std::to_string(work.batch_size);
        const int64_t avail = host_memory_available();  // the run's buffers are freed by now
        // 90% of what the estimate allows: threads and allocator overhead are not in it.
        const int fit = avail > 0 ? largest_batch_that_fits(fixed_bytes, bytes_per_sample, avail * 9 / 10) : 0;
        if (avail > 0 && bytes_per_sample > 0 && fit < 1)
            work.message += "; even batch size 1 does not fit in the memory available: use a smaller model";
        else if (avail > 0 && bytes_per_sample > 0 && fit < work.batch_size)
            work.message += "; the largest batch size that should fit is " + std::to_string(fit) + " (estimated: " +
                            std::to_string(fixed_bytes / 1024) + " KiB of weights, gradients and optimizer state + " +
                            std::to_string(bytes_per_sample / 1024) + " KiB per sample, " +
                            std::to_string(avail / (1024 * 1024)) + " MiB available)";
        else
            work.message += ": try a smaller batch size or fewer prefetched batches";
    } catch (const std::exception& e) {
        work.state = RunState::Failed;
        work.message = e.what();
    }
    drain_events();
    if (sink && !work.device.name.empty()) sink->on_device(work.device);
    if (sink) sink->on_end(work.state, work.message);
    publish(true);
}

}  // namespace batchscope::engine
