#include "batchscope/analysis/session_trace.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <tuple>
#include <nlohmann/json.hpp>

#include "batchscope/analysis/csv_export.h"
#include "batchscope/profiler/gpu_utilization.h"
#include "batchscope/store/store_error.h"

namespace batchscope::analysis {
namespace {

using profiler::Event;
using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

}  // namespace

StoredEvents stored_events(store::SessionStore& st, int64_t id, std::vector<std::string>& notes) {
    StoredEvents out;
    size_t bad = 0;
    for (store::EventRow& r : st.events(id)) {
        if (r.phase < 0 || r.phase >= profiler::kPhaseCount || r.lane_kind < 0 || r.lane_kind >= profiler::kLaneKindCount ||
            r.lane_index < 0 || r.lane_index > 255 || r.end_ns < r.start_ns || r.bytes < 0 || r.bytes > UINT32_MAX ||
            r.gpu_kind < -1 || r.gpu_kind > static_cast<int>(profiler::GpuActivityKind::Memset) || r.direction < 0 ||
            r.direction > static_cast<int>(profiler::CopyDirection::PtoP)) {
            ++bad;
            continue;
        }
        const Event e = profiler::make_event(static_cast<Phase>(r.phase), r.start_ns, r.end_ns,
                                             {static_cast<LaneKind>(r.lane_kind), static_cast<uint8_t>(r.lane_index)},
                                             r.id, static_cast<uint32_t>(r.bytes));
        if (r.gpu_kind < 0) {
            out.host.push_back(e);
            continue;
        }
        profiler::GpuActivity a;
        a.start_ns = r.start_ns;
        a.end_ns = r.end_ns;
        a.id = r.id;
        a.bytes = static_cast<uint64_t>(r.bytes);
        a.stream_id = static_cast<uint32_t>(r.lane_index);
        a.kind = static_cast<profiler::GpuActivityKind>(r.gpu_kind);
        a.direction = static_cast<profiler::CopyDirection>(r.direction);
        a.pinned = r.pinned;
        a.name = std::move(r.name);
        out.device_events.push_back(e);
        out.device_parts.push_back(r.part);
        out.device.push_back(std::move(a));
    }
    if (bad)
        notes.push_back(std::to_string(bad) + " stored event row(s) of session " + std::to_string(id) +
                        " are not events of this version (unknown phase, lane or device record, or negative length) "
                        "and were left out");
    return out;
}

namespace {

// An inference stream saved without its events: each request from its row, its phases laid end
// to end from its batch's start (exact on the CPU; on the GPU the launches are left out).
void rebuild_requests(const std::vector<store::RequestRow>& rows, std::vector<Event>& events) {
    const Lane requests{LaneKind::Requests, 0};
    for (const store::RequestRow& r : rows) {
        const int64_t start = r.scheduled_ns + r.queue_ns, done = r.scheduled_ns + r.latency_ns;
        events.push_back(profiler::make_event(Phase::Request, r.scheduled_ns, done, requests, r.request_id));
        events.push_back(profiler::make_event(Phase::QueueWait, r.scheduled_ns, start, requests, r.request_id));
        int64_t t = start;
        for (auto [phase, ns] : {std::pair{Phase::H2D, r.h2d_ns}, {Phase::Compute, r.compute_ns}, {Phase::D2H, r.d2h_ns}}) {
            events.push_back(profiler::make_event(phase, std::min(t, done), std::min(t + ns, done), requests, r.request_id));
            t += ns;
        }
    }
}

std::vector<profiler::TraceDevice> devices_of(const store::SessionInfo& info, bool gpu) {
    if (!gpu) return {};
    const auto env = nlohmann::json::parse(info.env_json, nullptr, false);
    std::string name;
    if (env.is_object() && env.contains("gpu") && env["gpu"].is_string()) name = env["gpu"].get<std::string>();
    // An imported trace: its deviceProperties names, ", "-joined.
    if (name.empty() && env.is_object() && env.contains("devices") && env["devices"].is_string()) {
        std::vector<profiler::TraceDevice> out;
        const std::string all = env["devices"].get<std::string>();
        for (size_t at = 0; at < all.size();) {
            const size_t end = std::min(all.find(", ", at), all.size());
            if (end > at) out.push_back({static_cast<int>(out.size()), all.substr(at, end - at), 0});
            at = end + 2;
        }
        if (!out.empty()) return out;
    }
    return {{0, name.empty() ? std::string("GPU") : name, 0}};
}

}  // namespace

namespace {
// An imported session keeps the events of its first steps only: the steps after them are rebuilt
// from their rows (as for a session without events), so that the trace holds every step. The kept
// events are cut at the first rebuilt step's start: what ran past it is in that step's rows.
void append_steps_not_kept(store::SessionStore& st, int64_t id, bool gpu, SessionTrace& t) {
    std::vector<int64_t> kept;
    for (const Event& e : t.events)
        if (e.phase == Phase::Iteration && e.lane.kind == LaneKind::Controller) kept.push_back(e.id);
    std::sort(kept.begin(), kept.end());
    std::vector<profiler::IterationSample> rest;
    for (const profiler::IterationSample& r : iteration_samples(st.iterations(id)))
        if (!std::binary_search(kept.begin(), kept.end(), r.iteration)) rest.push_back(r);
    if (rest.empty()) return;
    const int64_t cut = rest.front().start_ns;
    auto clip = [cut](auto& v) {
        std::erase_if(v, [cut](const auto& x) { return x.start_ns >= cut; });
        for (auto& x : v) x.end_ns = std::min(x.end_ns, cut);
    };
    clip(t.events);
    clip(t.gpu);
    for (const profiler::IterationSample& r : rest)
        append_rebuilt_iteration(r.iteration, r.start_ns, r.end_ns, r.breakdown, gpu, t.events, &t.gpu);
    t.notes.push_back("session " + std::to_string(id) + ": its other " + std::to_string(rest.size()) +
                      " steps are rebuilt from their rows, phases laid end to end (collectives as one NCCL kernel "
                      "per step, other device work as one memset)");
}
}  // namespace

void append_rebuilt_iteration(int64_t iteration, int64_t start_ns, int64_t end_ns, const profiler::Breakdown& bd,
                              bool gpu, std::vector<Event>& out, std::vector<profiler::GpuActivity>* device_work) {
    const Lane ctl{LaneKind::Controller, 0};
    const Lane copy = gpu ? Lane{LaneKind::CopyStream, 0} : ctl, compute = gpu ? Lane{LaneKind::ComputeStream, 0} : ctl;
    out.push_back(profiler::make_event(Phase::Iteration, start_ns, end_ns, ctl, iteration));
    auto device = [&](profiler::GpuActivityKind kind, int64_t t, int64_t ns, uint32_t stream, const char* name) {
        if (!gpu || !device_work) return;
        profiler::GpuActivity a;
        a.kind = kind;
        a.start_ns = t;
        a.end_ns = t + ns;
        a.id = iteration;
        a.stream_id = stream;
        a.name = name;
        device_work->push_back(std::move(a));
    };
    int64_t t = start_ns;
    for (auto [phase, ns, lane] : {std::tuple{Phase::DataWait, bd.data_wait_ns, ctl}, {Phase::H2D, bd.h2d_ns, copy},
                                   {Phase::Compute, bd.compute_ns, compute}, {Phase::D2H, bd.d2h_ns, copy}}) {
        if (phase == Phase::D2H && bd.comm_ns > 0) {  // comm follows compute, before the results come back
            device(profiler::GpuActivityKind::Kernel, t, bd.comm_ns, 1, "ncclKernel (rebuilt: the step's collectives)");
            t += bd.comm_ns;
        }
        if (ns > 0) out.push_back(profiler::make_event(phase, t, t + ns, lane, iteration));
        t += ns;
    }
    if (bd.other_gpu_ns > 0) device(profiler::GpuActivityKind::Memset, t, bd.other_gpu_ns, 0, "Memset (Device)");
}

bool is_gpu_backend(const std::string& backend) {
    std::string b(backend);
    std::transform(b.begin(), b.end(), b.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return b.rfind("cuda", 0) == 0 || b.rfind("gpu", 0) == 0;
}

profiler::ChromeTraceInput SessionTrace::input() const {
    profiler::ChromeTraceInput in;
    in.events = events;
    in.gpu = gpu;
    in.knob_changes = knobs;
    in.process_name = process_name;
    in.devices = devices;
    in.lane_names = lane_names;
    return in;
}

std::vector<std::pair<Lane, std::string>> stored_lane_names(store::SessionStore& st, int64_t id) {
    std::vector<std::pair<Lane, std::string>> out;
    for (const store::LaneNameRow& l : st.lane_names(id))
        if (l.lane_kind >= 0 && l.lane_kind < profiler::kLaneKindCount && l.lane_index >= 0 && l.lane_index <= 255)
            out.push_back({{static_cast<LaneKind>(l.lane_kind), static_cast<uint8_t>(l.lane_index)}, l.name});
    return out;
}

SessionTrace session_trace(store::SessionStore& st, int64_t id) {
    const auto info = st.info(id);
    if (!info) throw store::StoreError("no session " + std::to_string(id) + " in " + st.path());
    SessionTrace t;
    t.process_name = "batchscope session " + std::to_string(id) + ": " + info->name;
    StoredEvents stored = stored_events(st, id, t.notes);
    t.events = std::move(stored.host);
    t.gpu = std::move(stored.device);
    // Named device records (imported traces; our own GPU runs timed by CUPTI and saved with their
    // events, which store them instead of their stream-lane events, so nothing is drawn twice) go
    // to `gpu`; without any host event they still make a trace.
    const bool any_stored = !t.events.empty() || !t.gpu.empty();
    if (any_stored && info->mode == "imported") {
        const auto cfg = nlohmann::json::parse(info->config_json, nullptr, false);
        if (cfg.is_object() && cfg.contains("events_kept_note") && cfg["events_kept_note"].is_string())
            t.notes.push_back("session " + std::to_string(id) + " holds the events kept at import: " +
                              cfg["events_kept_note"].get<std::string>());
        append_steps_not_kept(st, id, is_gpu_backend(info->backend) || !t.gpu.empty(), t);
    }
    const bool gpu = is_gpu_backend(info->backend) || !t.gpu.empty() ||
                     std::any_of(t.events.begin(), t.events.end(), [](const Event& e) { return profiler::is_stream_lane(e.lane); });
    if (!any_stored && info->mode == "infer") {
        const std::vector<store::RequestRow> rows = st.requests(id);
        rebuild_requests(rows, t.events);
        if (!rows.empty())
            t.notes.push_back("session " + std::to_string(id) +
                              " has no stored trace events (record them with `infer --save-events`): the trace is rebuilt "
                              "from its " + std::to_string(rows.size()) +
                              " request rows, requests only, phases laid end to end from each batch's start");
    }
    if (!any_stored && t.events.empty()) {
        const std::vector<store::IterationRow> its = st.iterations(id);
        if (its.empty())
            throw store::StoreError("session " + std::to_string(id) +
                                    " has neither stored trace events nor iterations or requests to build a Chrome trace from");
        for (const profiler::IterationSample& r : iteration_samples(its))
            append_rebuilt_iteration(r.iteration, r.start_ns, r.end_ns, r.breakdown, gpu, t.events, &t.gpu);
        t.notes.push_back("session " + std::to_string(id) +
                          " has no stored trace events (record them with `train --save-events`): the trace is rebuilt "
                          "from its " + std::to_string(its.size()) + " iteration rows, " +
                          (gpu ? "controller and one copy and one compute stream lane" : "controller lane only") +
                          ", phases laid end to end" +
                          (t.gpu.empty() ? "" : " (collectives as one NCCL kernel per step, other device work as one memset)"));
    }
    for (const store::KnobRow& k : st.knob_changes(id)) t.knobs.push_back({k.t_ns, k.iteration, k.knob, k.old_value, k.new_value});
    t.devices = devices_of(*info, gpu);
    t.lane_names = stored_lane_names(st, id);
    return t;
}

std::vector<std::string> write_session_trace(store::SessionStore& st, int64_t id, std::ostream& out) {
    SessionTrace t = session_trace(st, id);
    profiler::write_chrome_trace(out, t.input());
    return std::move(t.notes);
}

}  // namespace batchscope::analysis
