#pragma once
// Owns the dashboard's inference run for the GUI thread and keeps that thread off the disk and
// off the run: the model and the test images are loaded (and the session file opened) on a
// background thread; poll() starts the run once they are ready; a run being replaced or
// abandoned is stopped and destroyed on a background thread.
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/request_window_sink.h"
#include "batchscope/engine/infer/serving_window.h"

namespace batchscope::ui {

class InferOwner {
public:
    InferOwner() = default;
    ~InferOwner();
    InferOwner(const InferOwner&) = delete;
    InferOwner& operator=(const InferOwner&) = delete;

    // Retires the current run and starts preparing one for `config`, saved as a session in
    // `db_path` unless it is empty.
    void start(const engine::infer::InferConfig& config, const std::string& db_path);
    // From the GUI timer. Starts the prepared run; returns why preparing failed (once).
    std::optional<std::string> poll();
    bool preparing() const { return prepared_.valid(); }
    engine::infer::InferenceRun* run() const { return run_.get(); }
    // The run's answered requests (the last 200,000), for the serving verdict.
    const engine::infer::RequestWindowSink* window() const { return window_.get(); }
    // The service's time at each batch size, measured before the run (empty on a GPU).
    const std::vector<engine::infer::BatchPoint>& serviceProfile() const { return profile_; }
    int64_t sessionId() const { return session_id_; }
    std::string sessionError() const { return session_error_; }
    void retire();

private:
    struct Prepared;
    void reap();

    std::future<std::shared_ptr<Prepared>> prepared_;
    engine::infer::InferConfig config_;
    std::unique_ptr<engine::infer::InferenceRun> run_;
    std::shared_ptr<engine::infer::RequestWindowSink> window_;
    std::vector<engine::infer::BatchPoint> profile_;
    int64_t session_id_ = 0;
    std::string session_error_;
    std::vector<std::future<void>> retiring_;
};

}  // namespace batchscope::ui
