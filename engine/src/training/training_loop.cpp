// The training loop's run and epochs: open the data and the model, run each epoch, close it
// (its record, evaluation), finish the run.
#include "training_loop.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "batchscope/engine/memory_fit.h"
#include "batchscope/engine/model/compute_probe.h"
#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/profiler/breakdown.h"
#include "training_checkpoint.h"
#include "training_checks.h"
#include "training_data.h"

namespace batchscope::engine {
namespace {

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

std::string describe_optimizer(const TrainConfig& cfg, const model::OptimizerConfig& opt,
                               const model::LrSchedule& schedule) {
    std::string s = opt.kind == model::OptimizerKind::Sgd
                        ? std::string("sgd, momentum ") + std::to_string(opt.momentum).substr(0, 4)
                        : std::string("adam");
    if (opt.weight_decay > 0.f) s += std::string(", weight decay ") + std::to_string(opt.weight_decay);
    if (schedule.kind != model::LrScheduleKind::None) s += ", lr schedule " + schedule.canonical();
    if (cfg.scale_lr_with_batch) s += ", lr scaled with the batch size";
    return s;
}

}  // namespace

TrainingLoop::TrainingLoop(TrainingRun::Impl& run, MemoryEstimate& estimate)
    : run_(run), cfg_(run.cfg), work_(run.work), estimate_(estimate) {}

TrainingLoop::~TrainingLoop() = default;

void TrainingLoop::run() {
    open();
    for (int epoch = 1; epoch <= cfg_.epochs && !run_.stop_requested; ++epoch)
        if (!run_epoch(epoch)) break;
    finish();
}

void TrainingLoop::open() {
    if (auto err = validate(cfg_); !err.empty()) throw std::invalid_argument(err);
    data_ = data::open_training_data(cfg_);
    features_ = static_cast<int>(data_.sample_shape.bytes());
    work_.dataset = data_.description;
    work_.test_samples = data_.test ? data_.test->count() : 0;
    open_model();
    sampler_.emplace(data_.train->count(), cfg_.seed, cfg_.shuffle,
                     ShardOptions{cfg_.rank, cfg_.world_size, cfg_.drop_last});
    work_.train_samples = sampler_->shard_size();
    win_ = {profiler::now_ns(), 0, 0};
    iter_events_.reserve(8);
    work_.state = RunState::Running;
    work_.message.clear();
}

void TrainingLoop::open_model() {
    const model::ModelSpec spec = model::parse_model_spec(cfg_.model);
    model::OptimizerConfig opt;
    opt.kind = model::parse_optimizer(cfg_.optimizer);
    opt.momentum = cfg_.momentum;
    opt.weight_decay = cfg_.weight_decay;
    schedule_ = model::parse_lr_schedule(cfg_.lr_schedule);
    const model::Shape in{data_.sample_shape.channels, data_.sample_shape.height, data_.sample_shape.width};
    refuse_if_out_of_memory(cfg_, spec, in, data_.train->classes(), opt.kind);  // before any weight is allocated
    model_ = make_training_model(cfg_, spec, in, data_.train->classes(), opt);
    work_.model = model_->describe();
    work_.model_spec = spec.canonical();
    work_.optimizer = describe_optimizer(cfg_, opt, schedule_);
    work_.parameters = model_->parameter_count();
    work_.flops_per_sample = model_->flops_per_train_sample();
    work_.backend = model_->backend();
    // The GPU backend: CUPTI records when the collector starts, else CUDA events (and why).
    if (GpuBackend* g = model_->gpu_backend()) {
        TrainingTrace::EventsOut out;
        TrainingTrace::RecordsOut records;
        if (cfg_.trace) {
            out = [this](std::span<const profiler::Event> ev) {
                run_.events.append(ev);
                if (run_.sink) run_.sink->on_events(ev);
            };
            records = [this](std::span<const profiler::GpuActivity> r) {  // a session keeps them by name
                if (run_.sink) run_.sink->on_device_records(r);
            };
        }
        trace_ = std::make_unique<TrainingTrace>(*g, cfg_.cupti, std::move(out), std::move(records));
        work_.gpu_timing = trace_->timing();
        trace_->fill(work_.device, true);
        // The model's setup (its parameters uploaded, buffers zero-filled) is queued on the
        // streams untagged: it ends here, before the first iteration's window opens, or it runs
        // inside that window as GPU time no iteration claims.
        g->synchronize(GpuStream::copy);
        g->synchronize(GpuStream::compute);
    }
    // Pipelined GPU models: batch k+1 is staged (copied up on the copy stream) while k computes,
    // from the loader's batch buffers: page-locked memory of the model's backend unless
    // pinned_memory is off (then the model copies each batch into its own page-locked slot first).
    pipelined_ = model_->pipelined() && trace_ != nullptr;
    if (pipelined_ && cfg_.pinned_memory) host_memory_ = page_locked_memory(*model_->gpu_backend());
    batch_pool_.emplace(host_memory_.get());
    work_.pinned_memory = host_memory_ != nullptr || !pipelined_;
    const model::ModelMemory m = model_->memory();
    estimate_.fixed_bytes = m.weights + m.gradients + m.optimizer_state + m.workspace;
    estimate_.model_per_sample = model_->activation_bytes_per_sample() + int64_t{features_} * 4;
    estimate_.batch_bytes_per_sample = int64_t{features_} * (cfg_.uint8_batches ? 1 : 4) + 4;
    estimate_.held_batches = pipelined_ ? 2 : 1;  // pipelined: the staged batch is held until its step is done
    time_compute();
}

void TrainingLoop::time_compute() {
    if (!cfg_.compute_probe) return;
    const int b = work_.batch_size;
    int to = std::min(KnobLimits::kMaxBatch, b * 4);
    // The candidate only as large as a training batch that fits in the host memory left.
    if (const int64_t available = host_memory_available(); available > 0)
        to = std::min(to, largest_batch_that_fits(estimate_.fixed_bytes,
                                                  estimate_.bytes_per_sample(work_.prefetch_depth, work_.workers), available));
    const int sizes[] = {b, std::max(b, to)};
    const model::ComputeProbe p = model::probe_compute(*model_, sizes);
    if (p.points.empty()) return;  // a GPU model, or nothing timed: the verdict keeps its lower bound
    for (const profiler::ComputePoint& q : p.points) {
        auto& prof = work_.compute_profile;
        auto it = std::find_if(prof.begin(), prof.end(), [&](const profiler::ComputePoint& x) { return x.batch == q.batch; });
        if (it != prof.end()) *it = q;  // timed again: the newer figure
        else prof.push_back(q);
    }
    std::sort(work_.compute_profile.begin(), work_.compute_profile.end(),
              [](const profiler::ComputePoint& x, const profiler::ComputePoint& y) { return x.batch < y.batch; });
    epoch_.paused_ns += p.elapsed_ns;  // not training time (nothing before the first epoch)
    if (run_.sink) run_.sink->on_compute_profile(work_.compute_profile);
}

bool TrainingLoop::run_epoch(int number) {
    epoch_ = Epoch{};
    epoch_.number = number;
    epoch_.order = sampler_->order(number);
    work_.epoch = number;
    data_.train->begin_epoch();
    epoch_.augment = epoch_augment(data_.train_augment, cfg_.seed, number);
    epoch_.lr = model::learning_rate_at(schedule_, cfg_.learning_rate, number, cfg_.epochs);
    epoch_.loader = make_loader();
    epoch_.start_ns = epoch_.end_ns = profiler::now_ns();
    while (iterate()) {
    }
    return close_epoch();
}

// Ends the epoch: a staged batch that will not train is dropped, the GPU records are all taken,
// the loader's counters kept; then the epoch's record and evaluation. False: it ran no iteration.
bool TrainingLoop::close_epoch() {
    Epoch& e = epoch_;
    const int64_t trained = trained_pos();
    if (e.next.b > 0) {  // a batch staged for an iteration that will not run (a stop): forgotten
        model_->drop_staged();  // waits for its upload
        release_staged(e.next_batch);
        e.next = {};
    }
    if (trace_) poll_gpu(true);  // forced: the epoch's records are all in
    accumulate(e.stats, e.loader->stats());
    e.loader.reset();  // its buffers stay in the pool for the next epoch (evaluation's are at most 64 MiB a batch)
    work_.loader = e.stats;
    if (e.iterations == 0) return false;

    EpochRecord er;
    er.epoch = e.number;
    er.samples = e.samples;
    er.iterations = e.iterations;
    er.train_loss = e.loss_sum / static_cast<double>(e.samples);
    er.wall_s = static_cast<double>(e.end_ns - e.start_ns - e.paused_ns) / 1e9;
    er.samples_per_s = er.wall_s > 0 ? static_cast<double>(e.samples) / er.wall_s : 0;
    if (e.steady_samples > 0 && e.end_ns > e.steady_start_ns)
        er.steady_samples_per_s =
            static_cast<double>(e.steady_samples) / (static_cast<double>(e.end_ns - e.steady_start_ns) / 1e9);
    er.mean_breakdown = profiler::mean_breakdown(e.bd_sum, e.iterations);
    fill_loader_fields(er, e.stats, e.queue_depth_sum, e.iterations, *data_.storage);
    evaluate_epoch(er, trained);
    work_.epochs_done.push_back(er);
    if (run_.sink) run_.sink->on_epoch(er);
    run_.publish(true);
    return true;
}

void TrainingLoop::evaluate_epoch(EpochRecord& er, int64_t trained) {
    if (run_.stop_requested && trained < static_cast<int64_t>(epoch_.order.size())) {
        er.test_accuracy = -1;  // partial epoch: not evaluated
        return;
    }
    const int64_t e0 = profiler::now_ns();
    er.test_accuracy = evaluate(*model_, data_, work_.workers);
    run_.tracer.record(controller_event(profiler::Phase::Evaluate, e0, profiler::now_ns(), er.epoch));
}

void TrainingLoop::finish() {
    if (trace_) trace_->poll(true, work_.device, [](const IterationRecord&) {});  // evaluation's GPU work
    if (trace_) work_.device.host_staging_bytes = model_->host_staging_bytes();
    refuse_if_nothing_trained(cfg_, work_, run_.stop_requested);
    if (!cfg_.checkpoint_path.empty() && work_.iterations_done > 0) save_training_checkpoint(cfg_, *model_, data_, work_);
    work_.state = run_.stop_requested ? RunState::Stopped : RunState::Finished;
    work_.message = run_.stop_requested ? "stopped by the user" : "finished";
    if (trace_) work_.message += trace_->incomplete_note();
}

}  // namespace batchscope::engine
