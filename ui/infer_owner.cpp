#include "infer_owner.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/engine/infer/serving_model.h"

namespace batchscope::ui {

namespace infer = engine::infer;

struct InferOwner::Prepared {
    std::shared_ptr<infer::BatchService> service;
    std::shared_ptr<infer::InferSessionSink> sink;
    std::vector<infer::BatchPoint> profile;  // the service timed at each batch size (CPU services)
    std::string error;          // the model or data could not be loaded: no run
    std::string session_error;  // the run goes on, unsaved
};

InferOwner::~InferOwner() {
    if (prepared_.valid()) prepared_.wait();
    retire();
    retiring_.clear();
}

void InferOwner::start(const infer::InferConfig& config, const std::string& db_path) {
    retire();
    config_ = config;
    session_id_ = 0;
    session_error_.clear();
    prepared_ = std::async(std::launch::async, [config, db_path] {
        auto p = std::make_shared<Prepared>();
        try {
            p->service = infer::make_checkpoint_service(config);  // on config.backend
            if (!p->service->gpu()) p->profile = infer::profile_service(*p->service, 64);
        } catch (const std::exception& e) {
            p->error = e.what();
            return p;
        }
        if (!db_path.empty()) {
            try {
                p->sink = std::make_shared<infer::InferSessionSink>(db_path, config, *p->service);
                p->sink->set_service_profile(p->profile);
            } catch (const std::exception& e) {
                p->session_error = e.what();
            }
        }
        return p;
    });
}

std::optional<std::string> InferOwner::poll() {
    reap();
    if (!prepared_.valid() || prepared_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return std::nullopt;
    const std::shared_ptr<Prepared> p = prepared_.get();
    if (!p->error.empty()) return p->error;
    session_error_ = p->session_error;
    if (p->sink) session_id_ = p->sink->session_id();
    run_ = std::make_unique<infer::InferenceRun>(config_, p->service);
    window_ = std::make_shared<infer::RequestWindowSink>(p->sink, 200'000);
    profile_ = p->profile;
    run_->set_sink(window_);
    run_->start();
    return std::nullopt;
}

void InferOwner::retire() {
    reap();
    if (!run_) return;
    run_->stop();
    retiring_.push_back(std::async(std::launch::async, [old = std::move(run_)]() mutable { old.reset(); }));
}

void InferOwner::reap() {
    std::erase_if(retiring_, [](std::future<void>& f) {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
}

}  // namespace batchscope::ui
