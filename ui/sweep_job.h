#pragma once
// A latency-versus-throughput sweep run for the dashboard on its own thread: loads the model
// and the test images, then serves one Poisson stream per (maximum batch, offered rate), max
// batch outermost, as engine::infer::run_sweep does, each saved as a session tagged with the
// sweep's tag. The GUI thread only reads progress() (a copy under a short lock) and may
// cancel(), which stops the stream being served at once; a cancelled point is not drawn.
// No Qt in here.
#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "batchscope/engine/infer/infer_config.h"
#include "sweep_data.h"

namespace batchscope::engine::infer {
class InferenceRun;
}

namespace batchscope::ui {

struct SweepProgress {
    size_t points_total = 0;
    std::vector<SweepCurvePoint> points;  // finished points, in run order
    int current_max_batch = 0;            // the point being served (when running)
    double current_rate = 0;
    int64_t current_answered = 0;         // its requests answered so far
    int64_t requests_per_point = 0;
    std::string model;                    // once loaded
    std::string tag;                      // the sessions' tag (empty: not saved)
    std::string save_error;               // why the points are not saved
    std::string error;                    // why the sweep failed
    bool loading = true;                  // the model and images are being loaded
    bool done = false;                    // ended: all points, cancelled or failed
    bool cancelled = false;
};

class SweepJob {
public:
    // `base`: checkpoint, data, queue delay, requests per point, seed and threads; its mode,
    // rate and max batch are set per point. `db_path` empty: nothing is saved.
    SweepJob(engine::infer::InferConfig base, SweepPlan plan, std::string db_path);
    ~SweepJob();  // cancels and waits (the stream in flight stops at once)
    SweepJob(const SweepJob&) = delete;
    SweepJob& operator=(const SweepJob&) = delete;

    void cancel();
    SweepProgress progress() const;

private:
    void main();

    engine::infer::InferConfig base_;
    SweepPlan plan_;
    std::string db_;
    mutable std::mutex m_;
    SweepProgress progress_;
    std::shared_ptr<engine::infer::InferenceRun> current_;
    std::atomic<bool> cancel_{false};
    std::future<void> thread_;
};

}  // namespace batchscope::ui
