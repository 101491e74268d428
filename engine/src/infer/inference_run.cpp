#include "batchscope/engine/infer/inference_run.h"

#include <stdexcept>

#include "inference_run_impl.h"

namespace batchscope::engine::infer {

InferenceRun::Impl::Impl(InferConfig c, std::shared_ptr<BatchService> s)
    : cfg(std::move(c)), service(std::move(s)),
      batcher({cfg.max_batch, cfg.queue_delay_us * 1000}),
      rate(cfg.rate), concurrency(cfg.concurrency), max_batch(cfg.max_batch), queue_delay_us(cfg.queue_delay_us),
      stats(cfg.keep_records) {
    auto s0 = std::make_shared<InferSnapshot>();
    s0->mode = cfg.mode;
    s0->rate = cfg.rate;
    s0->concurrency = cfg.concurrency;
    s0->max_batch = cfg.max_batch;
    s0->queue_delay_us = cfg.queue_delay_us;
    s0->burst = cfg.burst;
    s0->requests_target = cfg.requests;
    snap = std::move(s0);
}

InferenceRun::InferenceRun(InferConfig config, std::shared_ptr<BatchService> service)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(service))) {}

InferenceRun::~InferenceRun() {
    stop();
    wait();
}

void InferenceRun::set_sink(std::shared_ptr<InferSink> sink) {
    if (!impl_->controller.joinable()) impl_->sink = std::move(sink);
}

void InferenceRun::start() {
    if (impl_->controller.joinable()) return;
    impl_->controller = std::thread([this] { impl_->controller_main(); });
}

void InferenceRun::stop() {
    {
        std::lock_guard lock(impl_->ctl_m);
        impl_->stop_requested.store(true);
    }
    impl_->ctl_cv.notify_all();
}

void InferenceRun::wait() {
    if (impl_->controller.joinable()) impl_->controller.join();
}

std::string InferenceRun::set_knob(knobs::Knob knob, double value) {
    if (auto err = validate_infer_knob(knob, value); !err.empty()) return err;
    {
        std::lock_guard lock(impl_->ctl_m);
        impl_->commands.push_back({knob, value});
        impl_->has_commands.store(true);
    }
    impl_->ctl_cv.notify_all();
    return {};
}

std::string InferenceRun::set_rate(double r) { return set_knob(knobs::Knob::Rate, r); }
std::string InferenceRun::set_concurrency(int n) { return set_knob(knobs::Knob::Concurrency, n); }
std::string InferenceRun::set_max_batch(int n) { return set_knob(knobs::Knob::MaxBatch, n); }
std::string InferenceRun::set_queue_delay_us(int64_t us) {
    return set_knob(knobs::Knob::QueueDelayUs, static_cast<double>(us));
}

std::shared_ptr<const InferSnapshot> InferenceRun::snapshot() const {
    std::lock_guard lock(impl_->snap_m);
    return impl_->snap;
}

std::shared_ptr<const InferResult> InferenceRun::result() const {
    std::lock_guard lock(impl_->snap_m);
    return impl_->final_result;
}

const InferConfig& InferenceRun::config() const { return impl_->cfg; }

InferResult run_inference(const InferConfig& config, std::shared_ptr<BatchService> service,
                          std::shared_ptr<InferSink> sink) {
    InferenceRun run(config, std::move(service));
    run.set_sink(std::move(sink));
    run.start();
    run.wait();
    const auto snap = run.snapshot();
    if (snap->state == RunState::Failed) throw std::runtime_error(snap->message);
    return *run.result();
}

}  // namespace batchscope::engine::infer
