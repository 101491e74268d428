#pragma once
// What Batchscope keeps of a PyTorch profiler (Kineto) trace: not the events themselves, but a
// compact record of the ones the breakdown needs (steps, DataLoader waits, GPU activities and
// the runtime calls that launched them), plus the trace's metadata. Times are nanoseconds on
// the trace's own clock (its `ts` values, exactly converted from microseconds with fractions).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace batchscope::trace_import {

// A trace that could not be read: the message names the file and, where it applies, the byte
// offset (in the uncompressed JSON) where reading stopped.
class ImportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown when the caller's cancel flag was raised.
class ImportCancelled : public std::runtime_error {
public:
    ImportCancelled() : std::runtime_error("import cancelled") {}
};

// The category of a device record (Activity::record).
enum DeviceRecord : uint8_t { kNoRecord = 0, kKernelRecord = 1, kMemcpyRecord = 2, kMemsetRecord = 3 };

// Kinds in the breakdown's priority order first (lower value wins an overlap).
enum class ActivityKind : uint8_t {
    Compute = 0,   // GPU kernel, not a collective
    Comm = 1,      // GPU kernel whose name contains "nccl"
    H2D = 2,       // Memcpy HtoD
    D2H = 3,       // Memcpy DtoH
    OtherGpu = 4,  // memsets, DtoD and peer copies
    DataWait = 5,  // enumerate(DataLoader)#...__next__ spans (any category)
    Step = 6,      // ProfilerStep#N spans (host side)
    Launch = 7,    // cuda_runtime / cuda_driver calls carrying a correlation id
};

struct Activity {
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    uint64_t correlation = 0;  // 0: none
    int64_t value = 0;         // bytes for copies, N for ProfilerStep#N
    int32_t lane = 0;          // stream (GPU) or thread id (host)
    ActivityKind kind = ActivityKind::Compute;
    bool pinned = false;       // copies: the name says Pinned
    // Ran on a GPU: every kernel; a copy or memset only when it names its stream or its launch
    // (a CPU run's batch copy, as Batchscope's CPU backend exports it, names neither).
    bool on_device = false;
    uint8_t record = 0;        // what the trace called it: a DeviceRecord (0 for host spans and launches)
    uint32_t name = 0;         // kernels, copies, memsets: index into ParsedTrace::names (0: none)
};
static_assert(sizeof(Activity) <= 48, "millions of these are kept: keep Activity small");

struct TraceMeta {
    std::string file;              // the path as given
    uint64_t file_bytes = 0;       // on disk (compressed size for .gz)
    uint64_t json_bytes = 0;       // uncompressed JSON read
    bool legacy_array = false;     // the bare-array form of older PyTorch versions
    int rank = -1;                 // -1: unknown
    std::string rank_source;       // "distributedInfo", "file name", "--rank" or "unknown"
    int world_size = -1;           // -1: unknown
    std::string dist_backend;      // distributedInfo.backend ("nccl", "gloo"), or empty
    std::vector<std::string> devices;  // deviceProperties[].name
    std::string schema_version;    // schemaVersion, as written
    int64_t base_time_ns = 0;      // baseTimeNanoseconds, 0 when absent
    bool truncated = false;        // the file ended early
    uint64_t truncated_at = 0;     // uncompressed byte offset where it ended
    bool gzip_truncated = false;   // ... because the gzip data ends early
    int64_t cut_time_ns = 0;       // start of the last complete event read before the end
};

struct ParsedTrace {
    TraceMeta meta;
    std::vector<Activity> activities;  // unsorted, as read
    std::vector<std::string> names{std::string()};  // device records' names, each once (0: none)
    int64_t first_ns = 0, last_ns = 0; // span of every complete ("X") event read
    uint64_t events = 0;               // trace events read
    uint64_t cpu_ops = 0;              // cpu_op / Operator events (counted, not kept)
    uint64_t flows = 0;                // flow events (ac2g, fwdbwd; counted, not kept)
    bool has_gpu() const;
};

}  // namespace batchscope::trace_import
