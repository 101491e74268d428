#pragma once
// The Chrome/Kineto trace of a stored session (profiler/chrome_trace.h has the format): from the
// raw events saved with `--save-events` or kept by a trace import (kernels and copies under their
// stored names), else rebuilt from its iteration rows (training) or its
// request rows (inference). One builder for `sessions export --format chrome` and the
// dashboard's export; the notes say what was rebuilt or left out, for the front end to show.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "batchscope/profiler/breakdown.h"
#include "batchscope/profiler/chrome_trace.h"
#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/profiler/iteration_sample.h"
#include "batchscope/store/session_store.h"

namespace batchscope::analysis {

// One iteration rebuilt from its breakdown, for runs and sessions without raw events: the
// iteration on the controller lane and its phases laid end to end from its start in the CPU
// controller's order, data wait → h2d → compute → comm → d2h → other GPU work. With `gpu`, the
// copies go on copy stream 0 and compute on compute stream 0 (so that a reader counts them as
// GPU work). Comm and other GPU work (imported traces only) have no phase of their own: with
// `gpu` and `device_work`, they are appended there as a collective kernel ("nccl..." on stream 1)
// and a memset, so that a Kineto reader counts them as comm and other device work again;
// otherwise they stay untimed gaps (host).
void append_rebuilt_iteration(int64_t iteration, int64_t start_ns, int64_t end_ns, const profiler::Breakdown& bd,
                              bool gpu, std::vector<profiler::Event>& out,
                              std::vector<profiler::GpuActivity>* device_work = nullptr);

// A session's stored event rows: host events, and (schema 3, imported traces) named device
// records, both as the GPU activities the kernel and copy tables and the Chrome export take and
// as timeline events on their stream lanes. Rows this version does not know are left out and
// counted in `notes`.
struct StoredEvents {
    std::vector<profiler::Event> host;
    std::vector<profiler::GpuActivity> device;
    std::vector<profiler::Event> device_events;  // device[i] as a timeline event (phase, lane, bytes)
    std::vector<int> device_parts;               // device[i]'s store::kPart* (comm, other device work)
};
StoredEvents stored_events(store::SessionStore& st, int64_t id, std::vector<std::string>& notes);

// The names the session gave lanes of its own (an imported trace's "CPU thread 2910249").
std::vector<std::pair<profiler::Lane, std::string>> stored_lane_names(store::SessionStore& st, int64_t id);

// "cuda", "CUDA, NVIDIA H100 ...", "gpu": a backend that runs on a GPU.
bool is_gpu_backend(const std::string& backend);

struct SessionTrace {
    std::vector<profiler::Event> events;
    std::vector<profiler::GpuActivity> gpu;      // rebuilt collectives and other device work (imported sessions)
    std::vector<profiler::KnobMarker> knobs;
    std::vector<profiler::TraceDevice> devices;  // the session's GPU (from its environment), if it ran on one
    std::vector<std::pair<profiler::Lane, std::string>> lane_names;  // stored lane names (imported traces)
    std::string process_name;                    // "batchscope session 3: <name>"
    std::vector<std::string> notes;              // what was rebuilt or left out

    profiler::ChromeTraceInput input() const;
};

// Throws store::StoreError when there is no such session or nothing to build a trace from.
SessionTrace session_trace(store::SessionStore& st, int64_t id);

// session_trace() written to `out`; returns its notes.
std::vector<std::string> write_session_trace(store::SessionStore& st, int64_t id, std::ostream& out);

}  // namespace batchscope::analysis
