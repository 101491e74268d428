#pragma once
// Side-by-side comparison of two or more sessions: what was configured differently, and how
// the measured results differ (deltas in % against the first session).
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/store/records.h"

namespace batchscope::store {

class SessionStore;

struct ConfigDiffRow {
    std::string key;
    std::vector<std::string> values;  // one per session ("" where the key is absent)
    bool is_knob = false;             // a live knob (batch size, prefetch, workers, storage, rate, ...)
};

struct MetricRow {
    std::string name;
    std::string unit;
    bool higher_is_better = true;
    std::vector<double> values;     // NaN where not measured in that session
    std::vector<double> delta_pct;  // against values[0]; NaN where not comparable (for the parts of
                                    // a step: also where values[0] is under 1% of the first session's step)
};

// The ranks of one imported job (sessions of mode "imported") side by side.
struct RankRow {
    int64_t session_id = 0;
    int rank = -1;  // -1: unknown
    int64_t steps = 0;
    // Means per step, in ms.
    double step_ms = 0, compute_ms = 0, comm_ms = 0, h2d_ms = 0, d2h_ms = 0, other_gpu_ms = 0, data_wait_ms = 0,
           host_ms = 0;
};

// One step (ProfilerStep#N, matched by N) across the ranks that have it: the straggler view.
struct StepSpread {
    int64_t step = 0;
    int ranks = 0;              // ranks that have this step
    int slowest_rank = -1;      // rank of the slowest (its session where the rank is unknown: see slowest_session)
    int64_t slowest_session = 0;
    double slowest_ms = 0, fastest_ms = 0;
    double spread_ms() const { return slowest_ms - fastest_ms; }
};

struct RankComparison {
    std::vector<RankRow> ranks;      // in rank order (unknown ranks last)
    std::vector<StepSpread> steps;   // steps that at least two ranks have, in step order
    double median_compute_ms = 0, median_data_wait_ms = 0;
    // "rank 3: data wait 41.0 ms, +52% against the median 27.0 ms", for each rank whose mean
    // data wait or compute differs from the median of the ranks by more than 20%.
    std::vector<std::string> outliers;
};

// Empty (no ranks) unless at least two of the sessions are imported traces.
RankComparison compare_ranks(SessionStore& store, const std::vector<int64_t>& ids);

struct Comparison {
    std::vector<SessionInfo> sessions;
    std::vector<ConfigDiffRow> config_diff;  // only keys whose values differ
    std::vector<MetricRow> metrics;          // throughput, accuracy, breakdown parts, latency
    std::vector<std::vector<KnobRow>> knob_changes;  // changes made during each session
    RankComparison ranks;                            // when the sessions are ranks of imported traces
};

// Throws StoreError if an id does not exist or fewer than two are given.
Comparison compare_sessions(SessionStore& store, const std::vector<int64_t>& ids);

// Percentile p (0..100) of unsorted values by nearest rank; NaN when empty. Reorders `v`.
double percentile(std::vector<int64_t>& v, double p);

}  // namespace batchscope::store
