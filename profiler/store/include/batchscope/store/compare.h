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
    std::vector<double> delta_pct;  // against values[0]; NaN where not comparable
};

struct Comparison {
    std::vector<SessionInfo> sessions;
    std::vector<ConfigDiffRow> config_diff;  // only keys whose values differ
    std::vector<MetricRow> metrics;          // throughput, accuracy, breakdown parts, latency
    std::vector<std::vector<KnobRow>> knob_changes;  // changes made during each session
};

// Throws StoreError if an id does not exist or fewer than two are given.
Comparison compare_sessions(SessionStore& store, const std::vector<int64_t>& ids);

// Percentile p (0..100) of unsorted values by nearest rank; NaN when empty. Reorders `v`.
double percentile(std::vector<int64_t>& v, double p);

}  // namespace batchscope::store
