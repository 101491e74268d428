#include "batchscope/trace_import/stored_events.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"

namespace batchscope::trace_import {
namespace {

using profiler::CopyDirection;
using profiler::LaneKind;
using profiler::Phase;

bool kept_kind(const Activity& a) { return a.kind != ActivityKind::Launch; }

}  // namespace

int copy_direction_of(const std::string& name) {
    for (auto [key, d] : {std::pair{"HtoD", CopyDirection::HtoD}, {"DtoH", CopyDirection::DtoH},
                          {"DtoD", CopyDirection::DtoD}, {"HtoH", CopyDirection::HtoH}, {"PtoP", CopyDirection::PtoP}})
        if (name.find(key) != std::string::npos) return static_cast<int>(d);
    return static_cast<int>(CopyDirection::Unknown);
}

KeptEvents keep_events(const ParsedTrace& t, const TraceAnalysis& a, size_t cap) {
    KeptEvents k;
    k.names = t.names;
    if (cap == 0 || a.steps.empty()) return k;
    const int64_t from = a.steps.front().start_ns;
    const StepParts& last = a.steps.back();
    const int64_t until = last.start_ns + last.wall_ns;
    std::vector<const Activity*> cand;
    for (const Activity& x : t.activities)
        // (What started before the first step but runs into it counts in it too.)
        if (kept_kind(x) && x.end_ns > from && x.start_ns < until) cand.push_back(&x);
    // Whole steps: the events that start before the next step's start (the last: its end).
    size_t take = 0;
    for (size_t i = 0; i < a.steps.size(); ++i) {
        const int64_t end = i + 1 < a.steps.size() ? a.steps[i + 1].start_ns : until;
        const auto n = static_cast<size_t>(std::lower_bound(cand.begin(), cand.end(), end,
                                                            [](const Activity* x, int64_t v) { return x->start_ns < v; }) -
                                           cand.begin());
        if (n > cap) break;
        take = n;
        k.steps_kept = static_cast<int>(i + 1);
    }
    if (k.steps_kept == 0) {
        take = std::min(cap, cand.size());
        k.partial = true;
    }
    k.first_step = a.steps.front().number;
    k.last_step = a.steps[static_cast<size_t>(std::max(0, k.steps_kept - 1))].number;
    k.activities.reserve(take);
    for (size_t i = 0; i < take; ++i) k.activities.push_back(*cand[i]);
    k.left_out = cand.size() - take;
    return k;
}

std::vector<store::EventRow> event_rows(const KeptEvents& k, const TraceAnalysis& a, int64_t origin_ns,
                                        std::vector<store::LaneNameRow>& lanes, uint64_t& lanes_dropped) {
    std::map<int32_t, int> threads, streams;  // trace lane -> lane index, in order of first use
    auto index_of = [&](std::map<int32_t, int>& m, int32_t lane, LaneKind kind, const char* what) {
        const auto [it, fresh] = m.try_emplace(lane, static_cast<int>(m.size()));
        if (fresh && it->second <= 255)
            lanes.push_back({static_cast<int>(kind), it->second, std::string(what) + " " + std::to_string(lane)});
        return it->second;
    };
    std::vector<store::EventRow> out;
    out.reserve(k.activities.size());
    for (const Activity& x : k.activities) {
        store::EventRow r;
        r.start_ns = x.start_ns - origin_ns;
        r.end_ns = x.end_ns - origin_ns;
        // The step whose window holds the start.
        const auto s = std::upper_bound(a.steps.begin(), a.steps.end(), x.start_ns,
                                        [](int64_t v, const StepParts& p) { return v < p.start_ns; });
        r.id = s == a.steps.begin() ? -1 : std::prev(s)->number;
        const bool device = x.record != kNoRecord && x.on_device;
        const LaneKind kind = device ? LaneKind::ComputeStream : LaneKind::Controller;
        const int lane = device ? index_of(streams, x.lane, kind, "GPU stream")
                                : index_of(threads, x.lane, kind, "CPU thread");
        if (lane > 255) {
            ++lanes_dropped;
            continue;
        }
        r.lane_kind = static_cast<int>(kind);
        r.lane_index = lane;
        if (x.record != kNoRecord) {
            r.name = x.name < k.names.size() ? k.names[x.name] : std::string();
            r.gpu_kind = static_cast<int>(x.record == kKernelRecord   ? profiler::GpuActivityKind::Kernel
                                          : x.record == kMemcpyRecord ? profiler::GpuActivityKind::Memcpy
                                                                      : profiler::GpuActivityKind::Memset);
            r.bytes = x.kind == ActivityKind::Compute || x.kind == ActivityKind::Comm ? 0 : x.value;
            if (x.record == kMemcpyRecord) {
                r.direction = x.kind == ActivityKind::H2D   ? static_cast<int>(CopyDirection::HtoD)
                              : x.kind == ActivityKind::D2H ? static_cast<int>(CopyDirection::DtoH)
                                                            : copy_direction_of(r.name);
                r.pinned = x.pinned;
            }
        }
        switch (x.kind) {
            case ActivityKind::Step: {
                r.phase = static_cast<int>(Phase::Iteration);
                r.id = x.value;
                // The span a step's window came from is stored as that window (extended to the end
                // of the GPU work launched in it), so that the timeline and a Chrome export show
                // the step the breakdown measured.
                const auto w = std::find_if(a.steps.begin(), a.steps.end(), [&](const StepParts& p) {
                    return p.number == x.value && p.start_ns == x.start_ns;
                });
                if (w != a.steps.end()) r.end_ns = w->start_ns + w->wall_ns - origin_ns;
                break;
            }
            case ActivityKind::DataWait: r.phase = static_cast<int>(Phase::DataWait); break;
            case ActivityKind::H2D: r.phase = static_cast<int>(Phase::H2D); break;
            case ActivityKind::D2H: r.phase = static_cast<int>(Phase::D2H); break;
            case ActivityKind::Comm: r.phase = static_cast<int>(Phase::Compute); r.part = store::kPartComm; break;
            case ActivityKind::OtherGpu: r.phase = static_cast<int>(Phase::Compute); r.part = store::kPartOtherGpu; break;
            case ActivityKind::Compute:
            case ActivityKind::Launch: r.phase = static_cast<int>(Phase::Compute); break;
        }
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace batchscope::trace_import
