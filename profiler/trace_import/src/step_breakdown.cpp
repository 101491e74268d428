#include "batchscope/trace_import/step_breakdown.h"

#include <algorithm>
#include <array>
#include <utility>

namespace batchscope::trace_import {
namespace {

constexpr int kParts = 6;     // compute, comm, h2d, d2h, other gpu, data wait (ActivityKind order)
constexpr int kQueued = 6;    // a kernel launched but not started: lowest priority, only splits host
constexpr int kRanks = 7;

struct Interval {
    int64_t start, end;
    int rank;
};

struct Edge {
    int64_t t;
    int rank;
    int delta;
};

struct Window {
    int64_t number, start, end;
};

StepParts sweep(const Window& w, const std::vector<Interval>& iv, int64_t max_len, bool gpu) {
    StepParts s;
    s.number = w.number;
    s.start_ns = w.start;
    s.wall_ns = w.end - w.start;
    std::vector<Edge> edges;
    auto it = std::lower_bound(iv.begin(), iv.end(), w.start - max_len,
                               [](const Interval& a, int64_t t) { return a.start < t; });
    for (; it != iv.end() && it->start < w.end; ++it) {
        const int64_t a = std::max(it->start, w.start), b = std::min(it->end, w.end);
        if (b <= a) continue;
        edges.push_back({a, it->rank, +1});
        edges.push_back({b, it->rank, -1});
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) { return x.t < y.t; });
    std::array<int, kRanks> open{};
    std::array<int64_t, kRanks> got{};
    int64_t prev = w.start;
    for (size_t i = 0; i < edges.size();) {
        const int64_t t = edges[i].t, dt = t - prev;
        for (int r = 0; r < kRanks; ++r)
            if (open[static_cast<size_t>(r)] > 0) {
                got[static_cast<size_t>(r)] += dt;
                break;
            }
        if (open[1] > 0) {
            s.comm_busy_ns += dt;
            if (open[0] > 0) s.comm_overlap_ns += dt;
        }
        prev = t;
        for (; i < edges.size() && edges[i].t == t; ++i) open[static_cast<size_t>(edges[i].rank)] += edges[i].delta;
    }
    s.compute_ns = got[0];
    s.comm_ns = got[1];
    s.h2d_ns = got[2];
    s.d2h_ns = got[3];
    s.other_gpu_ns = got[4];
    s.data_wait_ns = got[5];
    s.host_ns = s.wall_ns - (got[0] + got[1] + got[2] + got[3] + got[4] + got[5]);
    if (gpu) s.host_wait_ns = s.host_ns - got[kQueued];
    return s;
}

}  // namespace

StepParts& StepParts::operator+=(const StepParts& o) noexcept {
    profiler::Breakdown::operator+=(o);
    host_wait_ns += o.host_wait_ns;
    comm_busy_ns += o.comm_busy_ns;
    comm_overlap_ns += o.comm_overlap_ns;
    return *this;
}

TraceAnalysis analyse_trace(ParsedTrace& t) {
    TraceAnalysis out;
    auto& acts = t.activities;
    std::sort(acts.begin(), acts.end(), [](const Activity& a, const Activity& b) { return a.start_ns < b.start_ns; });

    std::vector<Window> windows;
    std::vector<std::pair<uint64_t, int64_t>> launches;  // correlation -> launch start
    std::vector<Interval> iv;
    for (const Activity& a : acts) {
        if (a.kind == ActivityKind::Step) {
            // The same step on two threads (or twice in a file) counts once: its first span.
            if (a.value < 0 || std::none_of(windows.begin(), windows.end(), [&](const Window& w) { return w.number == a.value; }))
                windows.push_back({a.value, a.start_ns, a.end_ns});
        } else if (a.kind == ActivityKind::Launch) {
            launches.emplace_back(a.correlation, a.start_ns);
        } else {
            iv.push_back({a.start_ns, a.end_ns, static_cast<int>(a.kind)});
            if (a.kind == ActivityKind::H2D) {
                ++out.h2d_copies;
                out.h2d_pageable += a.pinned ? 0 : 1;
            }
            out.has_gpu = out.has_gpu || (a.kind <= ActivityKind::OtherGpu && a.on_device);
        }
    }
    std::sort(launches.begin(), launches.end());
    out.steps_seen = static_cast<int>(windows.size());

    // Extend each step to the end of the GPU work launched inside it; note what was queued.
    std::vector<int64_t> ext(windows.size());
    for (size_t i = 0; i < windows.size(); ++i) ext[i] = windows[i].end;
    for (const Activity& a : acts) {
        if (a.kind > ActivityKind::OtherGpu || a.correlation == 0) continue;
        auto l = std::lower_bound(launches.begin(), launches.end(), std::pair<uint64_t, int64_t>{a.correlation, INT64_MIN});
        if (l == launches.end() || l->first != a.correlation) continue;
        const int64_t launched = l->second;
        if (a.start_ns > launched) iv.push_back({launched, a.start_ns, kQueued});
        auto w = std::upper_bound(windows.begin(), windows.end(), launched,
                                  [](int64_t x, const Window& s) { return x < s.start; });
        if (w == windows.begin()) continue;
        const size_t k = static_cast<size_t>(w - windows.begin()) - 1;
        if (launched < windows[k].end) ext[k] = std::max(ext[k], a.end_ns);
    }
    for (size_t i = 0; i < windows.size(); ++i) {
        windows[i].end = ext[i];
        if (i + 1 < windows.size()) windows[i].end = std::min(windows[i].end, windows[i + 1].start);
    }
    if (windows.empty()) {
        out.whole_trace_window = true;
        if (t.last_ns > t.first_ns) windows.push_back({0, t.first_ns, t.last_ns});
    } else if (t.meta.truncated) {
        // Only steps whose window ended before the last event read are complete.
        const auto complete = std::partition_point(windows.begin(), windows.end(),
                                                   [&](const Window& w) { return w.end <= t.meta.cut_time_ns; });
        out.steps_lost = static_cast<int>(windows.end() - complete);
        windows.erase(complete, windows.end());
    }

    std::sort(iv.begin(), iv.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
    int64_t max_len = 0;
    for (const Interval& i : iv) max_len = std::max(max_len, i.end - i.start);
    for (const Window& w : windows) {
        out.steps.push_back(sweep(w, iv, max_len, out.has_gpu));
        out.total += out.steps.back();
    }
    if (!out.steps.empty()) out.total.start_ns = out.steps.front().start_ns;
    return out;
}

}  // namespace batchscope::trace_import
