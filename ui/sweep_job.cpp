#include "sweep_job.h"

#include <cstdio>
#include <exception>

#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::ui {

namespace infer = engine::infer;

SweepJob::SweepJob(infer::InferConfig base, SweepPlan plan, std::string db_path)
    : base_(std::move(base)), plan_(std::move(plan)), db_(std::move(db_path)) {
    progress_.points_total = plan_.rates.size() * plan_.max_batches.size();
    progress_.requests_per_point = base_.requests;
    thread_ = std::async(std::launch::async, [this] { main(); });
}

SweepJob::~SweepJob() {
    cancel();
    if (thread_.valid()) thread_.wait();
}

void SweepJob::cancel() {
    std::lock_guard lock(m_);
    cancel_.store(true);
    if (current_) current_->stop();
}

SweepProgress SweepJob::progress() const {
    std::lock_guard lock(m_);
    SweepProgress p = progress_;
    if (current_) p.current_answered = current_->snapshot()->totals.completed;
    return p;
}

void SweepJob::main() {
    std::shared_ptr<infer::BatchService> service;
    try {
        service = infer::make_checkpoint_service(base_);  // on base_.backend
    } catch (const std::exception& e) {
        std::lock_guard lock(m_);
        progress_.error = e.what();
        progress_.loading = false;
        progress_.done = true;
        return;
    }
    const std::string tag = db_.empty() ? std::string() : sweep_tag_now();
    {
        std::lock_guard lock(m_);
        progress_.model = service->model();
        progress_.tag = tag;
        progress_.loading = false;
    }
    size_t k = 0;
    for (int b : plan_.max_batches) {
        for (double rate : plan_.rates) {
            if (cancel_.load()) break;
            // Each point as engine::infer::run_sweep runs it (this loop can be cancelled mid-point).
            const infer::InferConfig c = infer::sweep_point_config(base_, b, rate);
            std::shared_ptr<infer::InferSessionSink> sink;
            if (!db_.empty() && progress().save_error.empty()) {
                char name[160];
                std::snprintf(name, sizeof name, "sweep #%zu: max batch %d, rate %.0f", ++k, b, rate);
                try {
                    sink = std::make_shared<infer::InferSessionSink>(db_, c, *service, name, "sweep",
                                                                     std::vector<std::string>{tag});
                } catch (const std::exception& e) {
                    std::lock_guard lock(m_);
                    progress_.save_error = e.what();
                }
            }
            auto run = std::make_shared<infer::InferenceRun>(c, service);
            if (sink) run->set_sink(sink);
            {
                std::lock_guard lock(m_);
                if (cancel_.load()) break;
                current_ = run;
                progress_.current_max_batch = b;
                progress_.current_rate = rate;
                run->start();
            }
            run->wait();
            const auto snap = run->snapshot();
            const auto result = run->result();
            std::lock_guard lock(m_);
            current_.reset();
            if (snap->state == engine::RunState::Failed) {
                progress_.error = snap->message;
                break;
            }
            if (cancel_.load() || !result) break;  // a stopped stream is not a point of the curve
            infer::SweepPoint p;
            p.max_batch = b;
            p.offered_rps = rate;
            p.result = *result;
            progress_.points.push_back(curve_point(p, sink ? sink->session_id() : 0));
        }
        if (cancel_.load() || !progress().error.empty()) break;
    }
    std::lock_guard lock(m_);
    progress_.cancelled = cancel_.load();
    progress_.done = true;
}

}  // namespace batchscope::ui
