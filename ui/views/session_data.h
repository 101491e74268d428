#pragma once
// Saved sessions reduced to what the dashboard draws: curves with a bounded number of points,
// the mean breakdown, and a comparison of several sessions (profiler/store compare.h). Built on
// a worker thread from a SessionStore opened there; handed to the GUI as read-only values.
// No Qt in here.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "batchscope/analysis/csv_export.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/iteration_sample.h"
#include "batchscope/store/compare.h"
#include "batchscope/store/records.h"
#include "batchscope/store/session_store.h"

namespace batchscope::ui {

inline constexpr size_t kCurvePoints = 600;  // per curve; decimated beyond it

// Samples/s over time (seconds since the first iteration started): iterations are put in at
// most `max_points` equal time bins, each point the bin's samples / the bin's summed wall time.
std::vector<engine::SeriesPoint> throughput_curve(const std::vector<store::IterationRow>& its,
                                                  size_t max_points = kCurvePoints);
// Steps/s over time, binned like throughput_curve: for sessions whose batch size is unknown
// (imported PyTorch traces record none).
std::vector<engine::SeriesPoint> step_rate_curve(const std::vector<store::IterationRow>& its,
                                                 size_t max_points = kCurvePoints);
// Mean training loss per time bin.
std::vector<engine::SeriesPoint> loss_curve(const std::vector<store::IterationRow>& its,
                                            size_t max_points = kCurvePoints);
// Mean per-iteration breakdown over the whole session.
profiler::Breakdown mean_breakdown(const std::vector<store::IterationRow>& its);

struct SessionCurves {
    store::SessionInfo info;
    std::vector<engine::SeriesPoint> throughput;  // samples/s; empty when the batch size is unknown
    std::vector<engine::SeriesPoint> step_rate;   // steps/s
    std::vector<engine::SeriesPoint> loss;        // empty when the session has none (imported traces)
    profiler::Breakdown mean;  // per iteration
    bool batch_known = false;  // an iteration row has a batch size
    bool has_loss = false;     // the session recorded a loss (not an imported trace)
};
SessionCurves session_curves(store::SessionStore& st, int64_t id);

struct ComparisonData {
    store::Comparison comparison;
    std::vector<SessionCurves> sessions;  // in the order of the ids
    // Throughput in steps/s for every session when one of them has no batch size (an imported
    // trace), so that the curves share one axis; samples/s otherwise.
    bool throughput_in_steps() const;
    const std::vector<engine::SeriesPoint>& throughput(size_t i) const;
};
// Throws store::StoreError (unknown id, fewer than two).
ComparisonData load_comparison(store::SessionStore& st, const std::vector<int64_t>& ids);

// Stored iterations in the profiler's terms (for the verdict, the exporters).
using analysis::iteration_samples;

// What a one-page report of one session says besides its charts.
struct SessionReport {
    SessionCurves curves;
    std::vector<std::pair<std::string, std::string>> facts;  // ("model", "mlp"), ...
    std::string verdict;                                     // of the last kVerdictWindow iterations; empty: none
    std::vector<std::string> advice;
    std::vector<std::string> knob_changes;                   // "prefetch depth 1 → 4 at iteration 120"
};
SessionReport load_session_report(store::SessionStore& st, int64_t id);

// The value of a MetricRow for people: "12 345 samples/s", "82.19 %", "1.234 ms", "-" for NaN.
std::string format_metric(double value, const std::string& unit);
// "+12.3 %", "-4.0 %", "" for NaN.
std::string format_delta(double pct);

}  // namespace batchscope::ui
