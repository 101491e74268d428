#include "session_export.h"

#include <vector>

#include "batchscope/profiler/chrome_trace.h"
#include "batchscope/profiler/csv_export.h"
#include "batchscope/profiler/output_file.h"
#include "batchscope/store/store_error.h"
#include "session_data.h"

namespace batchscope::ui {

namespace {

using profiler::Phase;

store::SessionInfo info_of(store::SessionStore& st, int64_t id) {
    auto info = st.info(id);
    if (!info) throw store::StoreError(std::string("no session ") + std::to_string(id) + " in " + st.path());
    return *info;
}

// Whole or not at all, never over what is not a regular file (profiler/output_file.h).
template <class F>
void write_file(const std::string& file, F&& f) {
    try {
        profiler::write_output_file(file, f);
    } catch (const profiler::OutputFileError& e) {
        throw store::StoreError(std::string("cannot write ") + e.what());
    }
}

}  // namespace

void export_session_csv(store::SessionStore& st, int64_t id, const std::string& file) {
    const store::SessionInfo info = info_of(st, id);
    if (info.mode == "infer") {
        std::vector<profiler::RequestSample> reqs;
        for (const auto& r : st.requests(id))
            reqs.push_back({r.request_id, r.scheduled_ns, r.scheduled_ns + r.latency_ns, r.batch_size, r.queue_ns,
                            r.h2d_ns, r.compute_ns, r.d2h_ns});
        write_file(file, [&](std::ostream& o) { profiler::write_request_csv(o, reqs); });
        return;
    }
    const auto samples = iteration_samples(st.iterations(id));
    write_file(file, [&](std::ostream& o) { profiler::write_iteration_csv(o, samples); });
}

void export_session_trace(store::SessionStore& st, int64_t id, const std::string& file) {
    const store::SessionInfo info = info_of(st, id);
    if (info.mode != "train")
        throw store::StoreError(std::string("session ") + std::to_string(id) +
                                " is an inference session: a Chrome trace is made from training iterations; "
                                "export its requests as CSV instead");
    std::vector<profiler::Event> events;
    const profiler::Lane ctl{profiler::LaneKind::Controller, 0};
    for (const auto& r : st.iterations(id)) {
        events.push_back(profiler::make_event(Phase::Iteration, r.start_ns, r.start_ns + r.wall_ns, ctl, r.iteration));
        int64_t t = r.start_ns;
        for (auto [phase, ns] : {std::pair{Phase::DataWait, r.data_wait_ns}, {Phase::H2D, r.h2d_ns},
                                 {Phase::Compute, r.compute_ns}, {Phase::D2H, r.d2h_ns}}) {
            if (ns > 0) events.push_back(profiler::make_event(phase, t, t + ns, ctl, r.iteration));
            t += ns;
        }
    }
    std::vector<profiler::KnobMarker> knobs;
    for (const auto& k : st.knob_changes(id)) knobs.push_back({k.t_ns, k.iteration, k.knob, k.old_value, k.new_value});
    profiler::ChromeTraceInput in;
    in.events = events;
    in.knob_changes = knobs;
    in.process_name = std::string("batchscope session ") + std::to_string(id);
    write_file(file, [&](std::ostream& o) { profiler::write_chrome_trace(o, in); });
}

}  // namespace batchscope::ui
