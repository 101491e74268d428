#include "verdict_logic.h"

#include <algorithm>
#include <span>

#include "batchscope/engine/verdict_context.h"
#include "batchscope/knobs/knob.h"

namespace batchscope::ui {

namespace {

profiler::KnobMarker marker(const engine::KnobChange& k) {
    return {k.time_ns, k.iteration, k.knob, k.old_value, k.new_value};
}

bool is_ended(engine::RunState s) {
    return s == engine::RunState::Finished || s == engine::RunState::Stopped || s == engine::RunState::Failed;
}

}  // namespace

std::vector<profiler::IterationSample> iteration_samples(const std::vector<engine::IterationRecord>& recent) {
    std::vector<profiler::IterationSample> out;
    out.reserve(recent.size());
    for (const auto& r : recent)
        out.push_back({r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns, r.breakdown, r.loss, r.queue_depth});
    return out;
}

VerdictWindow verdict_window(const engine::RunSnapshot& s) {
    const size_t n = s.recent.size();
    size_t first = n > static_cast<size_t>(kVerdictWindow) ? n - kVerdictWindow : 0;
    if (!s.knob_changes.empty()) {
        const int64_t from = s.knob_changes.back().iteration + kEffectSettle;
        const auto it = std::lower_bound(s.recent.begin(), s.recent.end(), from,
                                         [](const engine::IterationRecord& r, int64_t i) { return r.iteration < i; });
        const size_t since = static_cast<size_t>(it - s.recent.begin());
        if (since > first && n - since >= static_cast<size_t>(kVerdictMinWindow)) first = since;
    }
    return {first, n - first};
}

profiler::PipelineContext pipeline_context(const engine::RunSnapshot& s, VerdictWindow w) {
    return engine::verdict_context(s, std::span<const engine::IterationRecord>(s.recent).subspan(w.first, w.count));
}

std::optional<CurrentVerdict> current_verdict(const engine::RunSnapshot& s) {
    const VerdictWindow w = verdict_window(s);
    if (w.count < static_cast<size_t>(kVerdictMinWindow)) return std::nullopt;
    std::vector<profiler::IterationSample> samples;
    samples.reserve(w.count);
    for (size_t i = w.first; i < w.first + w.count; ++i) {
        const auto& r = s.recent[i];
        samples.push_back({r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns, r.breakdown, r.loss, r.queue_depth});
    }
    CurrentVerdict v;
    v.verdict = profiler::judge(profiler::summarize(samples), pipeline_context(s, w));
    v.first_iteration = samples.front().iteration;
    v.last_iteration = samples.back().iteration;
    return v;
}

bool live_knob(const std::string& knob) {
    const auto k = knobs::from_name(knob);
    return k && live_knob(*k);
}

bool live_knob(knobs::Knob k) { return knobs::info(k).live && knobs::info(k).run == knobs::RunKind::Train; }

AppliedEffect applied_effect(const engine::RunSnapshot& s, const std::string& knob, int64_t value) {
    AppliedEffect out;
    auto it = std::find_if(s.knob_changes.rbegin(), s.knob_changes.rend(),
                           [&](const engine::KnobChange& k) { return k.knob == knob && k.new_value == value; });
    if (it == s.knob_changes.rend()) return out;
    out.applied = true;
    const int64_t newest = s.recent.empty() ? -1 : s.recent.back().iteration;
    out.iterations_after = std::max<int64_t>(0, newest - it->iteration + 1);
    if (out.iterations_after < kEffectMinAfter + kEffectSettle && !is_ended(s.state)) return out;
    std::vector<profiler::KnobMarker> markers;
    markers.reserve(s.knob_changes.size());
    for (const auto& k : s.knob_changes) markers.push_back(marker(k));
    const std::vector<profiler::IterationSample> samples = iteration_samples(s.recent);
    profiler::ChangeWindows cw;
    cw.window = kVerdictWindow;
    cw.settle = kEffectSettle;
    out.effect = profiler::effect_of_change(samples, marker(*it), markers, cw);
    return out;
}

}  // namespace batchscope::ui
