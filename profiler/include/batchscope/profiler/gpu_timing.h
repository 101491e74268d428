#pragma once
// How a run times its GPU work, and why: CUPTI activity records when the collector starts;
// otherwise CUDA events around each phase (coarser: no per-kernel rows, no runtime calls), with
// the reason CUPTI could not start kept and shown (snapshot, CLI, session environment), never
// silently. Pure host logic: the GPU backend hands in its collector (the plugin's
// BsCuptiCollectorApi behind ActivityCollector) and whether it can time with CUDA events.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

enum class GpuTimingMode : uint8_t {
    None,        // no GPU work is timed (the CPU backend, or no way to time it)
    Cupti,       // CUPTI activity records: kernels, copies, runtime calls, on the host clock
    CudaEvents,  // cudaEventRecord pairs around each phase, read back after the iteration
};
const char* to_string(GpuTimingMode m) noexcept;

struct GpuTimingStatus {
    GpuTimingMode mode = GpuTimingMode::None;
    std::string reason = "CPU backend: no GPU work to time";  // why not CUPTI (or why nothing)
    std::string describe() const;  // one line for the CLI and the GUI
};

// The CUPTI collector as the timing choice sees it.
class ActivityCollector {
public:
    virtual ~ActivityCollector() = default;
    // True when collecting; otherwise false with the reason in `why` (another profiler attached,
    // insufficient privileges, unsupported setup, no GPU...).
    virtual bool start(std::string& why) = 0;
};

struct GpuTimingRequest {
    ActivityCollector* collector = nullptr;  // null: the backend has none (plugin without CUPTI)
    bool cuda_events = false;                // the backend can time phases with CUDA events
    bool cupti_disabled = false;             // the user asked for no CUPTI (e.g. to compare)
};

// Starts the collector if it may; falls back to CUDA events and says why.
GpuTimingStatus choose_gpu_timing(const GpuTimingRequest& r);

// One phase timed with a pair of CUDA events: milliseconds (cudaEventElapsedTime) from a
// reference event that was recorded on the same device at host time `reference_host_ns`.
struct CudaEventSpan {
    Phase phase = Phase::Compute;
    Lane lane{LaneKind::ComputeStream, 0};
    int64_t id = -1;
    uint32_t bytes = 0;
    float start_ms = 0, end_ms = 0;
};

// The spans as events on the session clock. Spans that end before they start, or are not
// finite, are left out and counted in `rejected` (a CUDA error leaves such values).
std::vector<Event> events_from_cuda_events(int64_t reference_host_ns, std::span<const CudaEventSpan> spans,
                                           size_t* rejected = nullptr);

}  // namespace batchscope::profiler
