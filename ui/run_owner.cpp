#include "run_owner.h"

#include <algorithm>
#include <chrono>

namespace batchscope::ui {

RunOwner::~RunOwner() {
    retire();
    retiring_.clear();  // each future's destructor waits for its thread
}

engine::TrainingRun* RunOwner::start(const engine::TrainConfig& config, const std::string& db_path,
                                     std::vector<std::string> tags) {
    retire();
    sink_.reset();
    if (!db_path.empty())
        sink_ = std::make_shared<engine::SessionSink>(db_path, config, std::string(),
                                                      engine::SessionSink::Open::OnFirstRecord, std::move(tags));
    run_ = std::make_unique<engine::TrainingRun>(config);
    ++serial_;
    run_->set_sink(sink_);
    run_->start();
    return run_.get();
}

void RunOwner::retire() {
    reap();
    if (!run_) return;
    run_->stop();
    // The destructor joins the controller thread: let it do that away from the GUI thread.
    retiring_.push_back(std::async(std::launch::async,
                                   [old = std::move(run_)]() mutable {
                                       old.reset();
                                   }));
}

void RunOwner::reap() {
    std::erase_if(retiring_, [](std::future<void>& f) {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
}

}  // namespace batchscope::ui
