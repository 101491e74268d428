#pragma once
// The latency-versus-throughput curve of a sweep as the dashboard draws it: its points (one per
// maximum batch size and offered Poisson rate), the plan typed into the Inference tab, and the
// sweeps saved in a session file (`batchscope-cli sweep` and the dashboard tag every point of
// one sweep "sweep-YYYYMMDD-HHMMSS"). No Qt in here.
#include <cstdint>
#include <string>
#include <vector>

#include "batchscope/engine/infer/scenarios.h"
#include "batchscope/store/session_store.h"

namespace batchscope::ui {

struct SweepCurvePoint {
    int max_batch = 0;
    double offered_rps = 0;
    double achieved_rps = 0;
    double p50_us = 0, p99_us = 0;
    int64_t requests = 0;     // answered
    bool p99_enough = false;  // enough requests to trust p99 (engine::infer::min_samples_for(99))
    int64_t session = 0;      // the session the point is saved as (0: not saved)
};

SweepCurvePoint curve_point(const engine::infer::SweepPoint& p, int64_t session = 0);

// "offered 2 000 req/s · max batch 4\nachieved 1 987 req/s\np50 312 µs · p99 1 204 µs\n2 000 requests"
// (p99 starred when there are too few requests for it; the session when saved).
std::string point_tooltip(const SweepCurvePoint& p);

inline constexpr size_t kMaxSweepRates = 32;
inline constexpr size_t kMaxSweepBatches = 8;  // one colour each (Okabe-Ito)

struct SweepPlan {
    std::vector<double> rates;     // offered Poisson rates, requests/s
    std::vector<int> max_batches;  // dynamic batcher sizes
    std::string error;             // empty: valid; else what is wrong and what to type
};
// "500, 1000,2000" and "1,4,16": comma-separated, duplicates refused, limits from InferLimits.
SweepPlan parse_sweep_plan(const std::string& rates, const std::string& max_batches);

// "sweep-20261127-031500" (UTC): the tag that groups the sessions of one sweep, as the CLI's.
std::string sweep_tag_now();
inline constexpr const char* kSweepTagPrefix = "sweep-";

struct SavedSweep {
    std::string tag;
    std::string created_at;  // of its first point
    std::string model;
    int points = 0;          // finished sessions with the tag (the points Load draws)
};
// Every sweep in the store, newest first.
std::vector<SavedSweep> list_saved_sweeps(store::SessionStore& st);

struct LoadedSweep {
    std::vector<SweepCurvePoint> points;  // in max batch, then offered rate order
    int skipped = 0;                      // sessions with the tag that did not finish
};
// The points a sweep saved: max batch and rate from each session's configuration, p50/p99,
// requests and achieved rate from its stored summary. Throws store::StoreError when no session
// has the tag.
LoadedSweep load_saved_sweep(store::SessionStore& st, const std::string& tag);

}  // namespace batchscope::ui
