#pragma once
// Chrome trace event format (JSON) that opens in Perfetto (ui.perfetto.dev) and
// chrome://tracing, written in the vocabulary of PyTorch's profiler (Kineto) so that a Kineto
// reader takes it too: a JSON object with "schemaVersion", "distributedInfo" (one rank),
// "deviceProperties" (GPU runs) and "traceEvents". One process, a thread (lane) per controller,
// loader worker, copy stream, compute stream, plus the CUDA runtime and CUPTI overhead, each
// named by thread_name metadata. Each iteration is a "ProfilerStep#N" user_annotation on the
// controller lane, its data wait an "enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__"
// user_annotation; copies are "gpu_memcpy" slices named "Memcpy HtoD (Pinned -> Device)" (or
// Pageable) with args.bytes; GPU compute is "kernel" slices on a compute-stream lane. On the CPU
// backend (no stream lanes) the copies into the compute buffer are "Memcpy ... (Pageable ...)"
// slices and compute is a "cpu_op" slice: a Kineto reader counts no GPU compute for such a run.
// Everything else on the host is "cpu_op". Knob changes are global instants (cat "knob").
// Inference: batches on the server lane; each request (the Requests lane) as a nestable async
// slice "request" (id = request id) holding its queue wait, h2d, compute and d2h.
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <utility>

#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/profiler/iteration_sample.h"

namespace batchscope::profiler {

// A GPU the run used, for "deviceProperties" (Kineto's keys: id, name, totalGlobalMem).
struct TraceDevice {
    int id = 0;
    std::string name;
    int64_t total_memory = 0;  // bytes; 0: unknown (left out)
};

inline constexpr const char* kStepAnnotationPrefix = "ProfilerStep#";
inline constexpr const char* kDataWaitAnnotation = "enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__";

struct ChromeTraceInput {
    std::span<const Event> events;            // host events (and stream-lane events, if not in `gpu`)
    std::span<const GpuActivity> gpu;         // GPU records, named (kernels, copies, runtime calls)
    std::span<const KnobMarker> knob_changes;
    std::string process_name = "batchscope";
    int64_t origin_ns = -1;  // subtracted from every time; -1: the earliest time in the input
    std::span<const TraceDevice> devices;     // "deviceProperties"; left out when empty
    // Names for lanes that have one of their own (an imported trace's "CPU thread 2910249");
    // the others are named by lane_name().
    std::span<const std::pair<Lane, std::string>> lane_names;
};

// Thread ids: controller 1 (controller k > 0, an imported trace's other CPU threads: 700+k), loader worker k 100+k, copy stream k 200+k, compute stream k 300+k,
// CUDA runtime 400, CUPTI overhead 401, inference server 500 (+k).
inline constexpr int kTidCudaRuntime = 400;
inline constexpr int kTidCuptiOverhead = 401;
int chrome_tid(Lane lane) noexcept;
std::string lane_name(Lane lane);  // "training loop (controller)", "loader worker 2", "copy stream 0", ... (the dashboard uses it too)

void write_chrome_trace(std::ostream& out, const ChromeTraceInput& in);
std::string chrome_trace_json(const ChromeTraceInput& in);

}  // namespace batchscope::profiler
