#pragma once
// What a lesson's segment is expected to show ("data wait falls by at least half"), the
// figures a segment measured, and whether the expectation held. Used by the preset player
// (CLI) and the dashboard's Workshop dock alike.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace batchscope::engine {

// One expected outcome of a segment, about one of its figures:
//   above X / below X: the figure after the step (shares as fractions: 0.05 = 5%);
//   rises_by X / falls_by X: against the segment before, by at least that fraction (0.5 = half);
//   within X: stays within that fraction of the segment before.
// With "against": "start", relative expectations compare with the starting segment.
struct Expectation {
    enum class Kind { Above, Below, RisesBy, FallsBy, Within };
    std::string metric;  // a key of SegmentFigures: "data_wait", "samples_per_s", "step_ms", "p50_us", ...
    Kind kind = Kind::Above;
    double value = 0;
    bool against_start = false;  // relative to the preset's starting segment instead of the one before
    std::string describe() const;  // "data wait falls by at least 50%"
    bool relative() const noexcept { return kind == Kind::RisesBy || kind == Kind::FallsBy || kind == Kind::Within; }
};

// The figures a segment measured, by name. Training: samples_per_s, step_ms, data_wait
// (share), compute_share. Inference: requests_per_s, p50_us, p99_us, mean_batch.
using SegmentFigures = std::map<std::string, double>;

// The metric names a mode allows (for messages) and whether a name is one of them.
const std::vector<std::string>& expectation_metrics(bool inference);

struct Outcome {
    bool held = false;
    std::string text;  // "data wait 46% → 3% (expected: falls by at least 50%): held"
};

// nullopt when the figure is missing (or, for a relative expectation, there is no segment before).
std::optional<Outcome> evaluate(const Expectation& e, const SegmentFigures* before, const SegmentFigures& now);

// "data wait 46%", "samples/s 12,800", "p99 latency 1,250 us".
std::string format_figure(const std::string& metric, double value);

}  // namespace batchscope::engine
