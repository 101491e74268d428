#include "lane_model.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace batchscope::ui {

using profiler::Event;
using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

int lane_order(Lane lane) {
    int group = 0;
    switch (lane.kind) {
        case LaneKind::LoaderWorker: group = 0; break;
        case LaneKind::Controller: group = 1; break;
        case LaneKind::CopyStream: group = 2; break;
        case LaneKind::ComputeStream: group = 3; break;
        case LaneKind::Server: group = 4; break;    // inference lanes (not in a training run)
        case LaneKind::Requests: group = 5; break;
    }
    return group * 256 + lane.index;
}

bool is_whole_phase(Phase p) { return p == Phase::Iteration || p == Phase::Load || p == Phase::Evaluate; }

void LaneModel::reset() {
    events_.clear();
    labels_.clear();
    parts_.clear();
    fixed_ = false;
    phases_ = 0;
    first_ns_ = last_ns_ = 0;
    lanes_.clear();
    end_seq_ = 0;
    any_ = any_work_ = false;
    newest_end_ = newest_work_ = view_start_ = view_end_ = 0;
}

bool LaneModel::ingest(const profiler::EventWindow& window) {
    if (fixed_) reset();  // a live run after a saved session's events
    if (window.end_sequence() < end_seq_) reset();  // another run's events
    if (window.end_sequence() == end_seq_ && any_) return false;
    const std::vector<Event> fresh = window.since(end_seq_);
    end_seq_ = window.end_sequence();
    if (fresh.empty()) return false;
    for (const Event& e : fresh) {
        if (e.end_ns < e.start_ns) continue;  // never drawn: a broken interval
        events_.push_back(e);
        newest_end_ = any_ ? std::max(newest_end_, e.end_ns) : e.end_ns;
        if (e.phase != Phase::Evaluate) newest_work_ = any_work_ ? std::max(newest_work_, e.end_ns) : e.end_ns;
        any_work_ = any_work_ || e.phase != Phase::Evaluate;
        any_ = true;
    }
    const int64_t cutoff = newest_end_ - kKeepNs;
    while (!events_.empty() && (events_.front().end_ns < cutoff || events_.size() > kMaxEvents)) events_.pop_front();
    // Lanes of the kept events only: a worker removed by a knob change leaves with its events.
    lanes_.clear();
    for (const Event& e : events_)
        if (std::find(lanes_.begin(), lanes_.end(), e.lane) == lanes_.end()) lanes_.push_back(e.lane);
    std::sort(lanes_.begin(), lanes_.end(), [](Lane a, Lane b) { return lane_order(a) < lane_order(b); });
    updateView();
    return true;
}

void LaneModel::load(std::vector<Event> events, std::vector<std::string> labels, std::vector<int> parts) {
    reset();
    fixed_ = true;
    labels.resize(events.size());
    parts.resize(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        if (e.end_ns < e.start_ns) continue;  // never drawn: a broken interval
        first_ns_ = any_ ? std::min(first_ns_, e.start_ns) : e.start_ns;
        last_ns_ = any_ ? std::max(last_ns_, e.end_ns) : e.end_ns;
        any_ = true;
        events_.push_back(e);
        labels_.push_back(std::move(labels[i]));
        parts_.push_back(parts[i]);
        if (parts[i] == 0) phases_ |= 1u << static_cast<int>(e.phase);
        if (std::find(lanes_.begin(), lanes_.end(), e.lane) == lanes_.end()) lanes_.push_back(e.lane);
    }
    std::sort(lanes_.begin(), lanes_.end(), [](Lane a, Lane b) { return lane_order(a) < lane_order(b); });
    // The first kIterations controller iterations (all of them when fewer).
    std::vector<int64_t> starts;
    for (const Event& e : events_)
        if (e.phase == Phase::Iteration && e.lane.kind == LaneKind::Controller) starts.push_back(e.start_ns);
    std::sort(starts.begin(), starts.end());
    const int64_t end = static_cast<int>(starts.size()) > kIterations ? starts[static_cast<size_t>(kIterations)] : last_ns_;
    setView(first_ns_, std::max<int64_t>(end - first_ns_, 1));
}

void LaneModel::setView(int64_t start_ns, int64_t span_ns) {
    if (!fixed_) return;
    span_ns = std::clamp<int64_t>(span_ns, 1, std::max<int64_t>(last_ns_ - first_ns_, 1));
    view_start_ = std::clamp(start_ns, first_ns_, std::max(first_ns_, last_ns_ - span_ns));
    view_end_ = view_start_ + span_ns;
}

bool LaneModel::hasPart(int part) const { return std::find(parts_.begin(), parts_.end(), part) != parts_.end(); }

const std::string& LaneModel::labelOf(const Event* e) const {
    static const std::string none;
    for (size_t i = 0; i < labels_.size() && i < events_.size(); ++i)
        if (&events_[i] == e) return labels_[i];
    return none;
}

void LaneModel::updateView() {
    // Starts of the newest controller iterations, newest first.
    std::vector<int64_t> starts;
    for (auto it = events_.rbegin(); it != events_.rend() && static_cast<int>(starts.size()) < kIterations; ++it)
        if (it->phase == Phase::Iteration && it->lane.kind == LaneKind::Controller) starts.push_back(it->start_ns);
    // An evaluation after an epoch (seconds on a large test set) does not squeeze the
    // iterations into a corner: the view ends with the newest iteration or batch.
    const int64_t end = any_work_ ? newest_work_ : newest_end_;
    int64_t span = kMaxSpanNs;
    if (static_cast<int>(starts.size()) >= kIterations) {
        const int64_t oldest = *std::min_element(starts.begin(), starts.end());
        span = std::clamp(end - oldest, kMinSpanNs, kMaxSpanNs);
    }
    view_end_ = end;
    view_start_ = end - span;
}

int LaneModel::laneRow(Lane lane) const {
    const auto it = std::find(lanes_.begin(), lanes_.end(), lane);
    return it == lanes_.end() ? -1 : static_cast<int>(it - lanes_.begin());
}

std::vector<LaneRect> LaneModel::layout(double width) const {
    std::vector<LaneRect> out;
    const int64_t span = view_end_ - view_start_;
    if (span <= 0 || width <= 0 || events_.empty()) return out;
    const double px_per_ns = width / static_cast<double>(span);
    // The last rectangle of each (row, phase), to merge neighbours closer than a pixel.
    std::map<std::tuple<int, int, int>, size_t> last;
    for (size_t i = 0; i < events_.size(); ++i) {
        const Event& e = events_[i];
        const int part = i < parts_.size() ? parts_[i] : 0;
        if (e.end_ns < view_start_ || e.start_ns > view_end_) continue;
        const int row = laneRow(e.lane);
        if (row < 0) continue;
        const double x0 = std::max(0.0, static_cast<double>(e.start_ns - view_start_) * px_per_ns);
        const double x1 = std::min(width, static_cast<double>(e.end_ns - view_start_) * px_per_ns);
        const auto key = std::make_tuple(row, static_cast<int>(e.phase), part);
        const auto found = last.find(key);
        if (found != last.end()) {
            LaneRect& r = out[found->second];
            // Only sub-pixel intervals merge, and only into a sliver of at most two pixels:
            // wide intervals keep their own edges.
            if (x0 >= r.x0 && x0 <= r.x1 + 1.0 && x1 - x0 < 1.0 && std::max(r.x1, x1) - r.x0 < 2.0) {
                r.x1 = std::max(r.x1, x1);
                ++r.merged;
                continue;
            }
        }
        last[key] = out.size();
        out.push_back({row, is_whole_phase(e.phase) ? 0 : 1, e.phase, x0, x1, 1, part});
    }
    return out;
}

const Event* LaneModel::eventAt(int lane, int64_t t_ns) const {
    if (lane < 0 || lane >= static_cast<int>(lanes_.size())) return nullptr;
    const Lane want = lanes_[static_cast<size_t>(lane)];
    const Event* best = nullptr;
    for (const Event& e : events_) {
        if (!(e.lane == want) || t_ns < e.start_ns || t_ns > e.end_ns) continue;
        const bool better = !best || (is_whole_phase(best->phase) && !is_whole_phase(e.phase)) ||
                            (is_whole_phase(best->phase) == is_whole_phase(e.phase) && e.duration_ns() < best->duration_ns());
        if (better) best = &e;
    }
    return best;
}

int64_t LaneModel::iterationAt(int64_t t_ns) const {
    for (const Event& e : events_)
        if (e.phase == Phase::Iteration && e.lane.kind == LaneKind::Controller && t_ns >= e.start_ns && t_ns <= e.end_ns)
            return e.id;
    return -1;
}

}  // namespace batchscope::ui
