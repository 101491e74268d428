#include "batchscope/profiler/gpu_timing.h"

#include <cmath>

namespace batchscope::profiler {

const char* to_string(GpuTimingMode m) noexcept {
    switch (m) {
        case GpuTimingMode::None: return "none";
        case GpuTimingMode::Cupti: return "CUPTI";
        case GpuTimingMode::CudaEvents: return "CUDA events";
    }
    return "?";
}

std::string GpuTimingStatus::describe() const {
    switch (mode) {
        case GpuTimingMode::Cupti: return "GPU timing: CUPTI activity records (kernels, copies, runtime calls)";
        case GpuTimingMode::CudaEvents:
            return "GPU timing: CUDA events per phase (no per-kernel rows); CUPTI unavailable: " + reason;
        case GpuTimingMode::None: break;
    }
    return "GPU timing: none (" + reason + ")";
}

GpuTimingStatus choose_gpu_timing(const GpuTimingRequest& r) {
    GpuTimingStatus s;
    std::string why;
    if (r.cupti_disabled) why = "turned off by the user";
    else if (!r.collector) why = "the GPU plugin has no CUPTI collector";
    else if (r.collector->start(why)) {
        s.mode = GpuTimingMode::Cupti;
        s.reason.clear();
        return s;
    } else if (why.empty()) {
        why = "the collector did not start and gave no reason";
    }
    if (r.cuda_events) {
        s.mode = GpuTimingMode::CudaEvents;
        s.reason = why;
    } else {
        s.mode = GpuTimingMode::None;
        s.reason = "CUPTI unavailable (" + why + ") and the backend cannot time with CUDA events";
    }
    return s;
}

std::vector<Event> events_from_cuda_events(int64_t reference_host_ns, std::span<const CudaEventSpan> spans,
                                           size_t* rejected) {
    std::vector<Event> out;
    out.reserve(spans.size());
    size_t bad = 0;
    for (const CudaEventSpan& s : spans) {
        if (!std::isfinite(s.start_ms) || !std::isfinite(s.end_ms) || s.end_ms < s.start_ms) {
            ++bad;
            continue;
        }
        const auto ns = [&](float ms) { return reference_host_ns + std::llround(static_cast<double>(ms) * 1e6); };
        out.push_back(make_event(s.phase, ns(s.start_ms), ns(s.end_ms), s.lane, s.id, s.bytes));
    }
    if (rejected) *rejected = bad;
    return out;
}

}  // namespace batchscope::profiler
