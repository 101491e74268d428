#include "batchscope/engine/training_run.h"

#include <algorithm>

#include "training_run_impl.h"

namespace batchscope::engine {

TrainingRun::TrainingRun(TrainConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
    impl_->work.batch_size = impl_->cfg.batch_size;
    impl_->work.prefetch_depth = impl_->cfg.prefetch_depth;
    impl_->work.workers = impl_->cfg.workers;
    impl_->work.threads = std::max(1, impl_->cfg.threads);
    impl_->work.epochs = impl_->cfg.epochs;
    impl_->work.storage_profile = static_cast<int>(impl_->cfg.storage);
    impl_->work.storage = data::storage_profile(impl_->cfg.storage).name;
    impl_->work.error_policy = data::to_string(impl_->cfg.on_error);
    impl_->snap = std::make_shared<const RunSnapshot>(impl_->work);
}

TrainingRun::~TrainingRun() {
    stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void TrainingRun::set_sink(std::shared_ptr<RunSink> sink) {
    if (!impl_->thread.joinable()) impl_->sink = std::move(sink);
}

void TrainingRun::start() {
    if (impl_->thread.joinable()) return;
    impl_->thread = std::thread([this] { impl_->run_controller(); });
}

void TrainingRun::pause() {
    std::lock_guard lock(impl_->ctl_m);
    impl_->paused = true;
}

void TrainingRun::resume() {
    {
        std::lock_guard lock(impl_->ctl_m);
        impl_->paused = false;
    }
    impl_->ctl_cv.notify_all();
}

void TrainingRun::stop() {
    impl_->stop_requested.store(true);
    impl_->ctl_cv.notify_all();
}

void TrainingRun::wait() {
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::string TrainingRun::set_knob(knobs::Knob knob, int64_t value) {
    if (auto err = validate_knob(knob, value); !err.empty()) return err;
    {
        std::lock_guard lock(impl_->ctl_m);
        impl_->commands.push_back({knob, static_cast<int>(value)});
    }
    impl_->ctl_cv.notify_all();
    return {};
}

std::string TrainingRun::set_batch_size(int n) { return set_knob(knobs::Knob::BatchSize, n); }
std::string TrainingRun::set_prefetch_depth(int n) { return set_knob(knobs::Knob::PrefetchDepth, n); }
std::string TrainingRun::set_workers(int n) { return set_knob(knobs::Knob::Workers, n); }
std::string TrainingRun::set_storage_profile(data::StorageKind k) {
    return set_knob(knobs::Knob::StorageProfile, static_cast<int>(k));
}

std::shared_ptr<const RunSnapshot> TrainingRun::snapshot() const {
    std::lock_guard lock(impl_->snap_m);
    return impl_->snap;
}

const TrainConfig& TrainingRun::config() const { return impl_->cfg; }
profiler::HostTracer& TrainingRun::tracer() { return impl_->tracer; }

}  // namespace batchscope::engine
