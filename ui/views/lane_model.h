#pragma once
// The events behind the lane timeline: what the snapshots' event windows brought, kept for the
// last couple of seconds, grouped by lane (loader workers, controller, copy and compute streams)
// and laid out as rectangles for a given width. Plain C++ over profiler events; no Qt here.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "batchscope/profiler/event.h"
#include "batchscope/profiler/event_store.h"

namespace batchscope::ui {

// One drawn interval, in pixels from the left of the time axis; merged with its neighbours of
// the same phase when they fall in the same pixel column (thousands stay cheap to paint).
struct LaneRect {
    int lane = 0;        // row, 0 = top
    int layer = 0;       // 0: whole intervals (Iteration, Load, Evaluate); 1: their parts
    profiler::Phase phase = profiler::Phase::Host;
    double x0 = 0, x1 = 0;
    int merged = 1;      // events drawn by this rectangle
    int part = 0;        // fixed sets: the breakdown part a device record counted in (1 comm, 2 other device work)
};

class LaneModel {
public:
    static constexpr int64_t kKeepNs = 2'500'000'000;  // events kept behind the newest
    static constexpr int64_t kMaxSpanNs = 2'000'000'000;
    static constexpr int64_t kMinSpanNs = 20'000'000;
    static constexpr int kIterations = 16;  // the window shows about this many iterations
    static constexpr size_t kMaxEvents = 200'000;

    // Takes what is new in `events` since the last call (all of it after a reset or when the
    // window has moved past what was seen). True when something new arrived.
    bool ingest(const profiler::EventWindow& events);
    void reset();

    // A fixed set of events (a saved session's, in time order): shown from its first kIterations
    // controller iterations and moved with setView(); ingest() is not used with it. `labels`: a
    // name per event ("" for none), for the tooltip.
    // `parts`: per event, 0 or the part it counted in (store::kPartComm, kPartOtherGpu), drawn in
    // that part's colour.
    void load(std::vector<profiler::Event> events, std::vector<std::string> labels = {}, std::vector<int> parts = {});
    bool hasPart(int part) const;
    // Fixed sets: whether some event drawn in `p`'s own colour (no part) was loaded.
    bool hasPhase(profiler::Phase p) const { return (phases_ >> static_cast<int>(p)) & 1u; }
    bool fixed() const { return fixed_; }
    int64_t firstNs() const { return first_ns_; }  // the loaded events' span
    int64_t lastNs() const { return last_ns_; }
    // Shows [start_ns, start_ns + span_ns), kept inside the loaded events' span (fixed sets only).
    void setView(int64_t start_ns, int64_t span_ns);
    // The label load() gave `e` (an event of this model), or "".
    const std::string& labelOf(const profiler::Event* e) const;

    // Rows in display order: loader workers, controller, copy streams, compute streams.
    const std::vector<profiler::Lane>& lanes() const { return lanes_; }
    size_t eventCount() const { return events_.size(); }
    uint64_t endSequence() const { return end_seq_; }

    // The time range shown: the last kIterations controller iterations (at most kMaxSpanNs,
    // at least kMinSpanNs), ending at the newest event that is not an evaluation.
    int64_t viewStartNs() const { return view_start_; }
    int64_t viewEndNs() const { return view_end_; }

    // Rectangles of the shown range for a time axis `width` pixels wide.
    std::vector<LaneRect> layout(double width) const;
    // The event under (lane row, time), the innermost one (a part before its whole); null if none.
    const profiler::Event* eventAt(int lane, int64_t t_ns) const;
    // The iteration whose Iteration event covers `t_ns` on the controller lane; -1 if none.
    int64_t iterationAt(int64_t t_ns) const;

private:
    void updateView();
    int laneRow(profiler::Lane lane) const;

    std::deque<profiler::Event> events_;  // by append order (≈ end time)
    std::vector<std::string> labels_;     // fixed sets: events_[i]'s label
    std::vector<int> parts_;              // fixed sets: events_[i]'s part
    uint32_t phases_ = 0;                 // fixed sets: bit p: a Phase p event without a part
    bool fixed_ = false;
    int64_t first_ns_ = 0, last_ns_ = 0;
    std::vector<profiler::Lane> lanes_;
    uint64_t end_seq_ = 0;
    bool any_ = false, any_work_ = false;
    int64_t newest_end_ = 0, newest_work_ = 0;
    int64_t view_start_ = 0, view_end_ = 0;
};

int lane_order(profiler::Lane lane);        // sort key: workers, controller, copy, compute
bool is_whole_phase(profiler::Phase p);      // Iteration, Load, Evaluate: drawn under their parts

}  // namespace batchscope::ui
