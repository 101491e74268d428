#pragma once
// Plain C++ view logic of the verdict panel: the bottleneck verdict of the run's current window
// (profiler/verdict.h) and what an applied knob change did (profiler/change_effect.h), from one
// snapshot. No Qt in here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/profiler/change_effect.h"
#include "batchscope/profiler/verdict.h"

namespace batchscope::ui {

inline constexpr int kVerdictWindow = 50;     // iterations judged, at most
inline constexpr int kVerdictMinWindow = 10;  // fewer iterations than this: no verdict yet
inline constexpr int kEffectSettle = 2;       // iterations skipped after a change (pipeline refills)
inline constexpr int kEffectMinAfter = 20;    // iterations after a change before its effect is shown

std::vector<profiler::IterationSample> iteration_samples(const std::vector<engine::IterationRecord>& recent);

// The window judged: the last kVerdictWindow iterations, but none from before the newest knob
// change (plus settle) when enough came after it, so that a verdict never mixes two settings.
struct VerdictWindow {
    size_t first = 0;  // index into s.recent
    size_t count = 0;
};
VerdictWindow verdict_window(const engine::RunSnapshot& s);

// Knobs in effect, the knob limits, this machine's cores and the loader's work in the window.
profiler::PipelineContext pipeline_context(const engine::RunSnapshot& s, VerdictWindow w);

struct CurrentVerdict {
    profiler::Verdict verdict;
    int64_t first_iteration = -1, last_iteration = -1;
};
// nullopt while fewer than kVerdictMinWindow iterations are in the window.
std::optional<CurrentVerdict> current_verdict(const engine::RunSnapshot& s);

// Whether the dashboard can turn this knob on a live run.
bool live_knob(const std::string& knob);
bool live_knob(knobs::Knob knob);

// The effect of the change of `knob` to `value` (the newest such change in the snapshot):
// nullopt while the change has not been applied or fewer than kEffectMinAfter iterations ran
// after it (unless the run has ended).
struct AppliedEffect {
    bool applied = false;     // the run recorded the change
    int64_t iterations_after = 0;
    std::optional<profiler::ChangeEffect> effect;
};
AppliedEffect applied_effect(const engine::RunSnapshot& s, const std::string& knob, int64_t value);

}  // namespace batchscope::ui
