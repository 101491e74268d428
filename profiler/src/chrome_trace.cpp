#include "batchscope/profiler/chrome_trace.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "batchscope/profiler/gpu_utilization.h"

namespace batchscope::profiler {
namespace {

// One slice, before writing: sorted by start, longer first, so parents precede children.
struct Slice {
    int64_t start_ns;
    int64_t end_ns;
    int tid;
    std::string name;
    const char* cat;
    nlohmann::json args;
};

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

std::string event_name(const Event& e) {
    if (e.phase == Phase::Iteration) return kStepAnnotationPrefix + std::to_string(e.id);
    if (e.phase == Phase::Load) return "load batch " + std::to_string(e.id);
    if (e.phase == Phase::Batch) return "batch from request " + std::to_string(e.id);
    return std::string(phase_name(e.phase));
}

// Kineto's names of a copy: "Memcpy HtoD (Pinned -> Device)", "Memcpy DtoH (Device -> Pageable)".
std::string memcpy_name(CopyDirection d, bool pinned) {
    const char* host = pinned ? "Pinned" : "Pageable";
    switch (d) {
        case CopyDirection::HtoD: return std::string("Memcpy HtoD (") + host + " -> Device)";
        case CopyDirection::DtoH: return std::string("Memcpy DtoH (Device -> ") + host + ")";
        case CopyDirection::DtoD: return "Memcpy DtoD (Device -> Device)";
        case CopyDirection::HtoH: return std::string("Memcpy HtoH (") + host + " -> " + host + ")";
        case CopyDirection::PtoP: return "Memcpy PtoP (Device -> Device)";
        case CopyDirection::Unknown: break;
    }
    return "Memcpy";
}

// A host or stream-lane event as a slice. `streams`: the run's GPU work is on stream lanes, so
// what the controller (or server) lane shows of copies and compute is the host's side of them.
Slice host_slice(const Event& e, bool streams) {
    Slice s{e.start_ns, e.end_ns, chrome_tid(e.lane), event_name(e), "cpu_op", nlohmann::json::object()};
    if (e.id >= 0) s.args["id"] = e.id;
    if (e.bytes) s.args["bytes"] = e.bytes;
    const bool copy = e.phase == Phase::H2D || e.phase == Phase::D2H;
    const CopyDirection dir = e.phase == Phase::H2D ? CopyDirection::HtoD : CopyDirection::DtoH;
    if (is_stream_lane(e.lane)) {
        s.args["device"] = 0;
        s.args["stream"] = e.lane.index;
        if (copy) {
            s.cat = "gpu_memcpy";  // the engine stages batches in page-locked host memory
            s.name = memcpy_name(dir, true);
        } else if (e.phase == Phase::Compute) {
            s.cat = "kernel";
        }
        return s;
    }
    if (e.lane.kind == LaneKind::Controller && e.phase == Phase::Iteration) {
        s.cat = "user_annotation";
    } else if (e.lane.kind == LaneKind::Controller && e.phase == Phase::DataWait) {
        s.cat = "user_annotation";
        s.name = kDataWaitAnnotation;
    } else if (copy && !streams) {  // the CPU backend: the batch copied from pageable memory
        s.cat = "gpu_memcpy";
        s.name = memcpy_name(dir, false);
    }
    return s;
}

Slice gpu_slice(const GpuActivity& a, StreamLanes& lanes) {
    Slice s{a.start_ns, a.end_ns, kTidCudaRuntime, a.name, "cuda", nlohmann::json::object()};
    s.args["correlation"] = a.correlation_id;
    if (a.id >= 0) s.args["id"] = a.id;
    if (a.has_phase) s.args["phase"] = std::string(phase_name(a.phase));
    const uint8_t slot = lanes.index_of(a.device_id, a.stream_id);
    if (a.kind == GpuActivityKind::Kernel || a.kind == GpuActivityKind::Memcpy || a.kind == GpuActivityKind::Memset) {
        s.args["device"] = a.device_id;
        s.args["stream"] = a.stream_id;
    }
    switch (a.kind) {
        case GpuActivityKind::Kernel:
            s.tid = chrome_tid({LaneKind::ComputeStream, slot});
            s.cat = "kernel";
            break;
        case GpuActivityKind::Memcpy: {
            const bool copy_lane = a.direction == CopyDirection::HtoD || a.direction == CopyDirection::DtoH;
            s.tid = chrome_tid({copy_lane ? LaneKind::CopyStream : LaneKind::ComputeStream, slot});
            s.cat = "gpu_memcpy";
            s.name = memcpy_name(a.direction, a.pinned);
            s.args["bytes"] = a.bytes;
            if (a.duration_ns() > 0)
                s.args["memory bandwidth (GB/s)"] = static_cast<double>(a.bytes) / static_cast<double>(a.duration_ns());
            break;
        }
        case GpuActivityKind::Memset:
            s.tid = chrome_tid({LaneKind::ComputeStream, slot});
            s.cat = "gpu_memset";
            s.name = "Memset (Device)";
            s.args["bytes"] = a.bytes;
            break;
        case GpuActivityKind::Runtime: s.cat = "cuda_runtime"; break;
        case GpuActivityKind::Synchronization:
            s.cat = "cuda_runtime";
            if (s.name.empty()) s.name = "synchronize";
            break;
        case GpuActivityKind::Overhead:
            s.tid = kTidCuptiOverhead;
            s.cat = "overhead";
            break;
    }
    if (s.name.empty()) s.name = std::string(gpu_activity_kind_name(a.kind));
    return s;
}

// Requests overlap one another (many wait in the queue at once), so they cannot share a thread's
// slices: each request is a nestable async slice ("b"/"e", id = request id, named "request")
// with its phases nested inside, which Perfetto and chrome://tracing lay out on rows of their own.
template <typename Us>
void write_request_slices(std::ostream& out, std::vector<Event>& requests, const Us& us) {
    // By request, then start; at equal starts the longer (enclosing) interval first.
    std::stable_sort(requests.begin(), requests.end(), [](const Event& a, const Event& b) {
        if (a.id != b.id) return a.id < b.id;
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.end_ns > b.end_ns;
    });
    auto write = [&](const char* ph, const Event& e, int64_t t) {
        out << ",\n{\"ph\":\"" << ph << "\",\"cat\":\"request\",\"id\":" << e.id << ",\"pid\":1,\"tid\":"
            << chrome_tid(e.lane) << ",\"ts\":" << us(t) << ",\"name\":" << quoted(std::string(phase_name(e.phase)));
        if (ph[0] == 'b') {
            nlohmann::json args = {{"request", e.id}};
            if (e.bytes) args["bytes"] = e.bytes;
            out << ",\"args\":" << args.dump();
        }
        out << "}";
    };
    std::vector<const Event*> open;  // the nest of the current request
    for (size_t i = 0; i <= requests.size(); ++i) {
        const Event* e = i < requests.size() ? &requests[i] : nullptr;
        // Close what ends before this one starts (an end at its start closes first), and
        // everything of the previous request.
        while (!open.empty() && (!e || open.back()->id != e->id || open.back()->end_ns <= e->start_ns)) {
            write("e", *open.back(), open.back()->end_ns);
            open.pop_back();
        }
        if (!e) break;
        Event inner = *e;  // a phase never sticks out of what encloses it
        if (!open.empty()) {
            inner.start_ns = std::max(inner.start_ns, open.back()->start_ns);
            inner.end_ns = std::min(std::max(inner.end_ns, inner.start_ns), open.back()->end_ns);
        }
        requests[i] = inner;
        write("b", requests[i], requests[i].start_ns);
        open.push_back(&requests[i]);
    }
}

}  // namespace

int chrome_tid(Lane lane) noexcept {
    switch (lane.kind) {
        // Controller 0 is the run's own thread; others are the CPU threads of an imported trace.
        case LaneKind::Controller: return lane.index == 0 ? 1 : 700 + lane.index;
        case LaneKind::LoaderWorker: return 100 + lane.index;
        case LaneKind::CopyStream: return 200 + lane.index;
        case LaneKind::ComputeStream: return 300 + lane.index;
        case LaneKind::Server: return 500 + lane.index;
        case LaneKind::Requests: return 600 + lane.index;
    }
    return 999;
}

std::string lane_name(Lane lane) {
    switch (lane.kind) {
        // The run's controller thread: in a training run, the training loop (the dashboard's name too).
        case LaneKind::Controller:
            return lane.index ? "training loop (controller " + std::to_string(lane.index) + ")" : "training loop (controller)";
        case LaneKind::LoaderWorker: return "loader worker " + std::to_string(lane.index);
        case LaneKind::CopyStream: return "copy stream " + std::to_string(lane.index);
        case LaneKind::ComputeStream: return "compute stream " + std::to_string(lane.index);
        case LaneKind::Server: return lane.index ? "server " + std::to_string(lane.index) : "server";
        case LaneKind::Requests: return "requests";
    }
    return "lane";
}

void write_chrome_trace(std::ostream& out, const ChromeTraceInput& in) {
    std::vector<Slice> slices;
    slices.reserve(in.events.size() + in.gpu.size());
    std::map<int, std::string> threads;
    std::vector<Event> requests;  // the Requests lane: async slices, one nest per request id
    auto name_of = [&](Lane lane) {
        for (const auto& [l, name] : in.lane_names)
            if (l == lane) return name;
        return lane_name(lane);
    };
    const bool streams = !in.gpu.empty() || std::any_of(in.events.begin(), in.events.end(),
                                                        [](const Event& e) { return is_stream_lane(e.lane); });
    for (const Event& e : in.events) {
        if (e.lane.kind == LaneKind::Requests) {
            requests.push_back(e);
            continue;
        }
        threads.emplace(chrome_tid(e.lane), name_of(e.lane));
        slices.push_back(host_slice(e, streams));
    }
    StreamLanes lanes;
    for (const GpuActivity& a : in.gpu) {
        slices.push_back(gpu_slice(a, lanes));
        const int tid = slices.back().tid;
        if (tid == kTidCudaRuntime) threads.emplace(tid, "CUDA runtime");
        else if (tid == kTidCuptiOverhead) threads.emplace(tid, "CUPTI overhead");
        else threads.emplace(tid, name_of({tid >= 300 ? LaneKind::ComputeStream : LaneKind::CopyStream,
                                             static_cast<uint8_t>(tid % 100)}));
    }
    std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.end_ns > b.end_ns;
    });

    int64_t origin = in.origin_ns;
    if (origin < 0) {
        origin = std::numeric_limits<int64_t>::max();
        if (!slices.empty()) origin = slices.front().start_ns;
        for (const Event& e : requests) origin = std::min(origin, e.start_ns);
        for (const KnobMarker& m : in.knob_changes) origin = std::min(origin, m.time_ns);
        if (origin == std::numeric_limits<int64_t>::max()) origin = 0;
    }
    auto micros = [](int64_t ns) {  // the format's unit; three decimals keep nanoseconds; any locale
        char buf[40];
        const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(ns) / 1e3, std::chars_format::fixed, 3);
        return std::string(buf, r.ptr);
    };
    auto us = [&](int64_t t_ns) { return micros(t_ns - origin); };

    out << "{\"schemaVersion\":1,\"distributedInfo\":{\"rank\":0,\"world_size\":1,\"backend\":\"none\"},";
    if (!in.devices.empty()) {
        nlohmann::json devices = nlohmann::json::array();
        for (const TraceDevice& d : in.devices) {
            nlohmann::json j = {{"id", d.id}, {"name", d.name}};
            if (d.total_memory > 0) j["totalGlobalMem"] = d.total_memory;
            devices.push_back(std::move(j));
        }
        out << "\"deviceProperties\":" << devices.dump() << ",";
    }
    out << "\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
    out << R"({"ph":"M","pid":1,"tid":1,"name":"process_name","args":{"name":)" << quoted(in.process_name) << "}}";
    for (const auto& [tid, name] : threads) {
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << tid << R"(,"name":"thread_name","args":{"name":)" << quoted(name)
            << "}}";
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << tid << R"(,"name":"thread_sort_index","args":{"sort_index":)"
            << tid << "}}";
    }
    for (const Slice& s : slices) {
        out << ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":" << s.tid << ",\"ts\":" << us(s.start_ns)
            << ",\"dur\":" << micros(std::max<int64_t>(0, s.end_ns - s.start_ns)) << ",\"name\":" << quoted(s.name)
            << ",\"cat\":\"" << s.cat << "\",\"args\":" << s.args.dump() << "}";
    }
    write_request_slices(out, requests, us);
    for (const KnobMarker& m : in.knob_changes) {
        nlohmann::json args = {{"knob", m.knob}, {"from", m.old_value}, {"to", m.new_value}, {"iteration", m.iteration}};
        out << ",\n{\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":1,\"ts\":" << us(m.time_ns) << ",\"name\":" << quoted(describe(m))
            << ",\"cat\":\"knob\",\"args\":" << args.dump() << "}";
    }
    out << "\n]}\n";
}

std::string chrome_trace_json(const ChromeTraceInput& in) {
    std::ostringstream s;
    write_chrome_trace(s, in);
    return s.str();
}

}  // namespace batchscope::profiler
