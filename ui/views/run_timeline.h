#pragma once
// Places per-epoch results and knob changes on a run's time axis (seconds since it started),
// the axis of the throughput and loss series. Plain C++, fed with every new snapshot of one run.
#include <cstdint>
#include <vector>

#include "batchscope/engine/run_snapshot.h"

namespace batchscope::ui {

// Seconds since the run started for a time on the profiler clock, using the newest iteration
// of `s` as the reference (its end is taken to be `s.elapsed_s`; the engine publishes right
// after an iteration, so this is off by at most one iteration); elapsed_s when there is none.
double seconds_since_start(const engine::RunSnapshot& s, int64_t time_ns);

struct TimedKnobChange {
    double t_s = 0;
    engine::KnobChange change;
};

class RunTimeline {
public:
    void reset();
    // Records when each epoch result first appeared and where each knob change happened.
    void observe(const engine::RunSnapshot& s);

    // Test accuracy in percent after each evaluated epoch, at the time the result appeared.
    const std::vector<engine::SeriesPoint>& test_accuracy() const { return accuracy_; }
    // Mean training loss of each epoch, at the epoch's end.
    const std::vector<engine::SeriesPoint>& epoch_loss() const { return epoch_loss_; }
    const std::vector<TimedKnobChange>& knob_changes() const { return knobs_; }

private:
    size_t epochs_seen_ = 0;
    std::vector<engine::SeriesPoint> accuracy_;
    std::vector<engine::SeriesPoint> epoch_loss_;
    std::vector<TimedKnobChange> knobs_;
};

}  // namespace batchscope::ui
