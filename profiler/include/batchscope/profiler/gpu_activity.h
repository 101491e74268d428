#pragma once
// GPU work as the profiler keeps it: one record per kernel, copy, memset, runtime call,
// synchronisation or profiler overhead, already on the host clock and joined with the
// iteration (or request) id and phase it was launched for. The CUPTI collector in the GPU
// plugin produces these (through the plugin ABI); this header knows nothing of CUDA.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

enum class GpuActivityKind : uint8_t { Kernel = 0, Memcpy, Memset, Runtime, Synchronization, Overhead };
enum class CopyDirection : uint8_t { Unknown = 0, HtoD, DtoH, DtoD, HtoH, PtoP };

std::string_view gpu_activity_kind_name(GpuActivityKind k) noexcept;  // "kernel", "memcpy", ...
std::string_view copy_direction_name(CopyDirection d) noexcept;       // "HtoD", ...

struct GpuActivity {
    int64_t start_ns = 0;  // host steady clock (mapped from the GPU clock)
    int64_t end_ns = 0;
    int64_t id = -1;       // iteration or request id from the external correlation; -1: none
    uint64_t bytes = 0;    // copies and memsets
    uint32_t correlation_id = 0;
    uint32_t stream_id = 0;
    uint32_t device_id = 0;
    GpuActivityKind kind = GpuActivityKind::Kernel;
    CopyDirection direction = CopyDirection::Unknown;
    bool pinned = false;     // copies: the host side is page-locked
    bool has_phase = false;  // the external correlation carried a phase
    Phase phase = Phase::Host;
    std::string name;        // kernel name; runtime API name; overhead kind

    int64_t duration_ns() const noexcept { return end_ns - start_ns; }
};

// Gives each (device, stream) a small lane index, in the order streams are first seen.
class StreamLanes {
public:
    uint8_t index_of(uint32_t device_id, uint32_t stream_id);
    size_t size() const noexcept { return slots_.size(); }

private:
    std::map<std::pair<uint32_t, uint32_t>, uint8_t> slots_;
};

// Timeline events of the device work: kernels, device-to-device copies and memsets as Compute
// on compute-stream lanes; HtoD as H2D and DtoH as D2H on copy-stream lanes. Runtime calls,
// synchronisations, overhead and host-to-host or peer copies give no event. Appends to `out`.
void append_events(std::span<const GpuActivity> activities, StreamLanes& lanes, std::vector<Event>& out);

// Kernels grouped by name, by total time (largest first).
struct KernelRow {
    std::string name;
    int64_t calls = 0;
    int64_t total_ns = 0;
    int64_t max_ns = 0;
    double mean_ns() const noexcept { return calls ? static_cast<double>(total_ns) / static_cast<double>(calls) : 0.0; }
};
std::vector<KernelRow> kernel_table(std::span<const GpuActivity> activities);

// Copies grouped by direction and host memory kind, by total time (largest first).
struct CopyRow {
    CopyDirection direction = CopyDirection::Unknown;
    bool pinned = false;
    int64_t calls = 0;
    uint64_t bytes = 0;
    int64_t total_ns = 0;
    double gb_per_s() const noexcept {  // achieved bandwidth, 1 GB = 1e9 bytes
        return total_ns > 0 ? static_cast<double>(bytes) / static_cast<double>(total_ns) : 0.0;
    }
};
std::vector<CopyRow> copy_table(std::span<const GpuActivity> activities);

// Records per kind, index = GpuActivityKind.
inline constexpr size_t kGpuActivityKinds = 6;  // the values of GpuActivityKind
struct GpuActivityCounts {
    uint64_t per_kind[kGpuActivityKinds] = {};
    uint64_t with_id = 0;  // joined with an iteration / request id
};
GpuActivityCounts count_activities(std::span<const GpuActivity> activities) noexcept;

}  // namespace batchscope::profiler
