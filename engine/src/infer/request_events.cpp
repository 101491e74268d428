#include "request_events.h"

#include <algorithm>

namespace batchscope::engine::infer {

using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

void append_batch_events(std::span<const RequestRecord> served, const BatchTiming& t,
                         std::vector<profiler::Event>& out, bool stream_lanes) {
    if (served.empty()) return;
    const int64_t start = served[0].start_ns, done = served[0].done_ns;
    // A phase never leaves its batch (clock granularity, or the GPU's end placed after the wait).
    auto at = [&](int64_t offset) { return std::clamp(start + offset, start, done); };
    struct Part {
        Phase phase;
        int64_t begin, end;
        uint32_t bytes;
    };
    const Part parts[] = {{Phase::H2D, at(t.h2d_at_ns), at(t.h2d_at_ns + t.h2d_ns), t.h2d_bytes},
                          {Phase::Compute, at(t.compute_at_ns), at(t.compute_at_ns + t.compute_ns), 0},
                          {Phase::D2H, at(t.d2h_at_ns), at(t.d2h_at_ns + t.d2h_ns), t.d2h_bytes}};
    const int64_t batch_id = served[0].id;
    const Lane server{LaneKind::Server, 0};
    out.push_back(profiler::make_event(Phase::Batch, start, done, server, batch_id));
    for (const Part& p : parts) {
        Lane lane = server;
        if (t.device && !stream_lanes) break;
        if (t.device)  // the copy in on the copy stream, unless a graph replay queued it on the compute stream
            lane = {p.phase == Phase::H2D && !t.h2d_on_compute_stream ? LaneKind::CopyStream : LaneKind::ComputeStream, 0};
        out.push_back(profiler::make_event(p.phase, p.begin, p.end, lane, batch_id, p.bytes));
    }
    const Lane requests{LaneKind::Requests, 0};
    for (const RequestRecord& r : served) {
        out.push_back(profiler::make_event(Phase::Request, r.scheduled_ns, r.done_ns, requests, r.id));
        out.push_back(profiler::make_event(Phase::QueueWait, r.scheduled_ns, r.start_ns, requests, r.id));
        for (const Part& p : parts) out.push_back(profiler::make_event(p.phase, p.begin, p.end, requests, r.id));
    }
}

}  // namespace batchscope::engine::infer
