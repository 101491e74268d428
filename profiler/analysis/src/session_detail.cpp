#include "batchscope/analysis/session_detail.h"

#include <algorithm>
#include <numeric>
#include <nlohmann/json.hpp>

#include "batchscope/analysis/session_trace.h"
#include "batchscope/profiler/chrome_trace.h"
#include "batchscope/store/store_error.h"

namespace batchscope::analysis {

SessionDetail session_detail(store::SessionStore& st, int64_t id) {
    const auto info = st.info(id);
    if (!info) throw store::StoreError("no session " + std::to_string(id) + " in " + st.path() + " (see `sessions list`)");
    SessionDetail d;
    StoredEvents s = stored_events(st, id, d.notes);
    const size_t host = s.host.size();
    d.events = std::move(s.host);
    d.names.assign(host, std::string());
    d.parts.assign(host, store::kPartAsPhase);
    for (size_t i = 0; i < s.device.size(); ++i) {
        d.events.push_back(s.device_events[i]);
        d.names.push_back(s.device[i].name);
        d.parts.push_back(s.device_parts[i]);
    }
    d.lane_names = stored_lane_names(st, id);
    d.kernels = profiler::kernel_table(s.device);
    d.copies = profiler::copy_table(s.device);
    for (const auto& k : d.kernels) d.kernel_total_ns += k.total_ns;

    const auto cfg = nlohmann::json::parse(info->config_json, nullptr, false);
    if (!d.events.empty()) {
        if (cfg.is_object() && cfg.contains("events_kept_note") && cfg["events_kept_note"].is_string())
            d.scope = "events kept at import: " + cfg["events_kept_note"].get<std::string>();
        else
            d.scope = "the " + std::to_string(d.events.size()) + " stored trace events";
    } else {
        // Nothing stored: the timeline rebuilt from the session's rows, as the Chrome export does.
        SessionTrace t = session_trace(st, id);
        d.events = std::move(t.events);
        d.names.assign(d.events.size(), std::string());
        d.parts.assign(d.events.size(), store::kPartAsPhase);
        for (const profiler::GpuActivity& a : t.gpu) {  // rebuilt collectives and other device work
            const bool comm = a.kind == profiler::GpuActivityKind::Kernel;
            d.events.push_back(profiler::make_event(profiler::Phase::Compute, a.start_ns, a.end_ns,
                                                    {profiler::LaneKind::ComputeStream, static_cast<uint8_t>(a.stream_id)},
                                                    a.id));
            d.names.push_back(a.name);
            d.parts.push_back(comm ? store::kPartComm : store::kPartOtherGpu);
        }
        d.scope = "rebuilt from the session's rows (no stored trace events)";
        d.notes.insert(d.notes.end(), t.notes.begin(), t.notes.end());
    }
    // In time order, names and parts along.
    std::vector<size_t> order(d.events.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return d.events[a].start_ns < d.events[b].start_ns; });
    SessionDetail sorted;
    for (size_t i : order) {
        sorted.events.push_back(d.events[i]);
        sorted.names.push_back(std::move(d.names[i]));
        sorted.parts.push_back(d.parts[i]);
    }
    d.events = std::move(sorted.events);
    d.names = std::move(sorted.names);
    d.parts = std::move(sorted.parts);

    if (d.kernels.empty() && d.copies.empty())
        d.tables_note = info->mode == "imported"
                            ? "this imported session has no stored kernels or copies: a CPU trace, or one imported "
                              "before Batchscope kept a trace's events (import it again)"
                            : "this session stores no kernel or copy records: Batchscope's own runs keep them only "
                              "on the GPU, timed by CUPTI and saved with --save-events (a CPU run has none; the live "
                              "run's GPU & memory tab shows its tables)";
    return d;
}

std::string detail_lane_name(const SessionDetail& d, profiler::Lane lane) {
    for (const auto& [l, name] : d.lane_names)
        if (l == lane) return name;
    return profiler::lane_name(lane);
}

}  // namespace batchscope::analysis
