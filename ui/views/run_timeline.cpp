#include "run_timeline.h"

#include <algorithm>

#include "run_text.h"

namespace batchscope::ui {

double seconds_since_start(const engine::RunSnapshot& s, int64_t time_ns) {
    if (s.recent.empty()) return s.elapsed_s;
    const int64_t ref_ns = s.recent.back().end_ns;
    return std::max(0.0, s.elapsed_s - static_cast<double>(ref_ns - time_ns) / 1e9);
}

void RunTimeline::reset() {
    epochs_seen_ = 0;
    accuracy_.clear();
    epoch_loss_.clear();
    knobs_.clear();
}

void RunTimeline::observe(const engine::RunSnapshot& s) {
    // Epoch results arrive after the epoch's evaluation; the first snapshot that shows one is
    // the best time we have for it (within one refresh).
    for (size_t i = epochs_seen_; i < s.epochs_done.size(); ++i) {
        const auto& e = s.epochs_done[i];
        if (const auto acc = accuracy_percent(e)) accuracy_.push_back({s.elapsed_s, *acc});
        epoch_loss_.push_back({s.elapsed_s, e.train_loss});
    }
    epochs_seen_ = std::max(epochs_seen_, s.epochs_done.size());
    // Knob changes keep their place once computed, so markers do not wander between frames.
    for (size_t i = knobs_.size(); i < s.knob_changes.size(); ++i)
        knobs_.push_back({seconds_since_start(s, s.knob_changes[i].time_ns), s.knob_changes[i]});
}

}  // namespace batchscope::ui
