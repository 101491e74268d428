#pragma once
// Plays a workshop preset without a window, as a presenter would: its starting settings for a
// segment, then each step (a live knob change or a restart) for a segment each. Each segment's
// figures are measured, judged (training: the verdict, with its advice's prediction checked
// when the next step applies that advice) and compared with what the step expects
// (preset_outcome.h). The CLI's `presets run` prints what it reports.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/serving_verdict.h"
#include "batchscope/engine/preset.h"
#include "batchscope/engine/preset_outcome.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/profiler/window_summary.h"

namespace batchscope::engine {

struct PlayOptions {
    double segment_s = 8;  // run time of each segment
    int steps = -1;        // steps to take (-1: all)
    std::string db;        // session database; empty: sessions are not saved
    std::string checkpoint;  // infer: serve this instead of the model the preset trains
    // Infer: builds the service that answers requests (the CLI's model loader).
    std::function<std::shared_ptr<infer::BatchService>(const infer::InferConfig&)> make_service;
};

// What one segment measured.
struct SegmentResult {
    std::string setting;  // "start" or the step's title
    int64_t session = 0;
    int64_t first = 0, last = -1;  // iterations (train) or request ids (infer) measured
    SegmentFigures figures;
    std::vector<Outcome> outcomes;  // the step's expectations (unmeasurable ones left out)
    int expectations = 0;           // how many the step states
    // train
    profiler::WindowSummary window;
    profiler::Verdict verdict;
    // The step applied the previous segment's advice (train and infer), or any live change (infer):
    // predicted against measured.
    std::string advice_check;
    // infer
    infer::ServingVerdict serving;  // what dominated the latency, and the advice
    // What the next step's live change is expected to do, from this segment: its advice when the
    // step applies one, else the change replayed (none: no live step, or nothing to predict). The
    // next segment checks it.
    std::optional<infer::ExpectedChange> next_change;
    int64_t requests = 0;
    double seconds = 0;
    std::string note;  // "too few requests for a trusted p99"
    bool held() const;  // every stated expectation measured and held
};

struct PlayResult {
    std::vector<SegmentResult> segments;
    std::string failure;  // why the run failed (empty: it did not)
    bool all_held() const;
};

struct PlayEvents {
    std::function<void(const std::string&)> say;             // progress lines ("step 2: Prefetch 1 → 4")
    std::function<void(const SegmentResult&)> segment_done;  // each segment as it ends
};

// Throws PresetError (a step the run refused), store::StoreError (the session cannot be saved)
// and what the service factory throws.
PlayResult play_preset(const Preset& p, const PlayOptions& o, const PlayEvents& events);

// Segment figures of a training window / of served requests.
SegmentFigures train_figures(const profiler::WindowSummary& w);
SegmentFigures infer_figures(double requests_per_s, double p50_us, double p99_us, double mean_batch);

// The expectations of a segment against the one before it.
std::vector<Outcome> outcomes(const std::vector<Expectation>& expect, const SegmentFigures* before, const SegmentFigures& now);

// The dashboard's side of a lesson (the Workshop dock): which segment is running and, for each
// segment measured so far, its latest figures and whether its expectations held. The window
// says when a step is made and feeds it the running segment's figures.
class PresetProgress {
public:
    PresetProgress() = default;
    explicit PresetProgress(const Preset& p);
    // The next step was made; `changes_now` = the run's knob changes so far (a live step's
    // figures count only once the run has applied it: more changes than that).
    void step_made(size_t changes_now);
    // The running segment's figures (the verdict's window of the run); ignored while a live step
    // is not yet applied.
    void measured(const SegmentFigures& figures, size_t changes_now);
    int segment() const noexcept { return static_cast<int>(figures_.size()) - 1; }  // 0: start
    // Segment k's outcomes (0: start, k: after step k); empty before it was measured.
    const std::vector<Outcome>& outcomes(int k) const;
    const std::vector<Expectation>& expectations(int k) const;
    bool measured_segment(int k) const;

private:
    Preset preset_;
    std::vector<SegmentFigures> figures_{1};  // per segment, empty until measured
    std::vector<std::vector<Outcome>> outcomes_{1};
    size_t changes_at_step_ = 0;
    bool awaiting_change_ = false;
};

// The model an inference preset serves: `checkpoint`, or one trained once with the preset's
// serve_model settings and kept in the cache folder.
std::string served_checkpoint(const Preset& p, const std::string& checkpoint, const std::function<void(const std::string&)>& say);

}  // namespace batchscope::engine
