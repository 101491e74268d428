#pragma once
// The C ABI between the core program and the GPU plugin module (libbatchscope_cuda.so).
//
// The core opens the module with dlopen, looks up BS_GPU_PLUGIN_ENTRY_SYMBOL and calls it with
// the ABI version it was built for. The plugin returns its function table, or NULL when it
// cannot serve that version. Only C types cross the boundary: fixed-width integers, fixed-size
// char arrays and function pointers; no C++ object, no exception, no allocation owned by the
// other side. Neither side includes the other's headers beyond this one; the core never
// includes a CUDA header.
//
// Evolution rules:
//  - Compatible additions (a new field, a new function table such as the CUDA backend or the
//    CUPTI collector) are appended at the END of a struct; the ABI version stays. Each struct
//    starts with `struct_size`, so a reader checks that a field lies inside the size the writer
//    filled before reading it (BS_GPU_ABI_HAS_FIELD).
//  - Anything else (a field removed, moved or retyped, a changed meaning) bumps
//    BS_GPU_PLUGIN_ABI_VERSION; a plugin and a core of different versions refuse each other.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BS_GPU_PLUGIN_ABI_VERSION 1u
#define BS_GPU_PLUGIN_ENTRY_SYMBOL "batchscope_gpu_plugin_entry"
#define BS_GPU_PLUGIN_FILE_NAME "libbatchscope_cuda.so"

// True when `field` of struct `type` lies inside the first `size` bytes (the writer's size).
#define BS_GPU_ABI_HAS_FIELD(type, field, size) \
    (offsetof(type, field) + sizeof(((type*)0)->field) <= (size_t)(size))

enum { BS_GPU_NAME_MAX = 256, BS_GPU_ERROR_NAME_MAX = 64, BS_GPU_ERROR_TEXT_MAX = 256 };

// What the probe found. The plugin classifies CUDA's answer; the core turns it into words.
typedef enum BsGpuProbeStatus {
    BS_GPU_PROBE_OK = 0,          // at least one device; device 0 described below
    BS_GPU_PROBE_NO_DRIVER = 1,   // cudaErrorInsufficientDriver (35): no driver, or too old
    BS_GPU_PROBE_NO_DEVICE = 2,   // cudaErrorNoDevice (100): driver present, no GPU
    BS_GPU_PROBE_ZERO_DEVICES = 3,  // cudaGetDeviceCount succeeded with a count of 0
    BS_GPU_PROBE_CUDA_ERROR = 4   // any other CUDA error: see cuda_error, error_name/text
} BsGpuProbeStatus;

typedef struct BsGpuProbeInfo {
    uint32_t struct_size;     // set by the CALLER to sizeof(BsGpuProbeInfo) it knows
    int32_t status;           // a BsGpuProbeStatus
    int32_t cuda_error;       // the raw cudaError_t of the call that failed, 0 on success
    int32_t device_count;
    int32_t driver_version;   // cudaDriverGetVersion, e.g. 13000; 0 when there is no driver
    int32_t runtime_version;  // cudaRuntimeGetVersion, e.g. 13000
    char device_name[BS_GPU_NAME_MAX];         // device 0, NUL-terminated
    char error_name[BS_GPU_ERROR_NAME_MAX];    // cudaGetErrorName, e.g. "cudaErrorNoDevice"
    char error_text[BS_GPU_ERROR_TEXT_MAX];    // cudaGetErrorString
} BsGpuProbeInfo;

typedef struct BsGpuPluginApi {
    uint32_t struct_size;  // sizeof(BsGpuPluginApi) as the plugin was built
    uint32_t abi_version;  // BS_GPU_PLUGIN_ABI_VERSION the plugin was built with
    const char* description;  // static text, e.g. "batchscope_cuda 0.1.0 (CUDA 13.0)"
    // Fills `info` up to info->struct_size bytes; never throws. Returns info->status.
    int32_t (*probe)(BsGpuProbeInfo* info);
    // Appended (same ABI version): the CUPTI collector; check BS_GPU_ABI_HAS_FIELD first.
    const struct BsCuptiCollectorApi* cupti;
    // Appended later (same ABI version): const struct BsGpuBackendApi* backend;
} BsGpuPluginApi;

// ---- CUPTI collector --------------------------------------------------------------------------
// GPU activity (kernels, copies, memsets, runtime calls, synchronisations, CUPTI's overhead)
// recorded by CUPTI, converted by the plugin into BsGpuActivity records on the HOST steady clock
// (std::chrono::steady_clock, ns), each joined with the iteration/request id and phase that were
// pushed around its launch. Enum values match batchscope::profiler::GpuActivityKind and
// CopyDirection.
typedef enum BsGpuActivityKind {
    BS_GPU_ACTIVITY_KERNEL = 0,
    BS_GPU_ACTIVITY_MEMCPY = 1,
    BS_GPU_ACTIVITY_MEMSET = 2,
    BS_GPU_ACTIVITY_RUNTIME = 3,
    BS_GPU_ACTIVITY_SYNCHRONIZATION = 4,
    BS_GPU_ACTIVITY_OVERHEAD = 5
} BsGpuActivityKind;

typedef enum BsGpuCopyKind {
    BS_GPU_COPY_UNKNOWN = 0,
    BS_GPU_COPY_HTOD = 1,  // host to device (or to a device array)
    BS_GPU_COPY_DTOH = 2,
    BS_GPU_COPY_DTOD = 3,
    BS_GPU_COPY_HTOH = 4,
    BS_GPU_COPY_PTOP = 5   // peer to peer
} BsGpuCopyKind;

enum {
    BS_GPU_ACTIVITY_FLAG_PINNED = 1u,        // copy: the host side is page-locked
    BS_GPU_ACTIVITY_FLAG_ASYNC = 2u,         // copy: cudaMemcpyAsync
    BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL = 4u,  // external_id and phase were joined
    BS_GPU_ACTIVITY_NO_PHASE = 0xffu
};

typedef struct BsGpuActivity {
    int64_t start_ns;        // host steady clock (mapped from CUPTI's clock)
    int64_t end_ns;
    int64_t external_id;     // iteration or request id; -1 when none was pushed
    uint64_t bytes;          // copies and memsets
    uint32_t correlation_id;
    uint32_t stream_id;
    uint32_t device_id;
    uint32_t name_id;        // name(): kernel name, runtime API name, overhead kind
    uint8_t kind;            // BsGpuActivityKind
    uint8_t copy_kind;       // BsGpuCopyKind (memcpy only)
    uint8_t flags;           // BS_GPU_ACTIVITY_FLAG_*
    uint8_t phase;           // the phase pushed with the id (profiler::Phase), or BS_GPU_ACTIVITY_NO_PHASE
    uint32_t reserved;
} BsGpuActivity;

typedef struct BsCuptiStats {
    uint32_t struct_size;       // set by the CALLER
    uint32_t reserved;
    uint64_t records;           // activity records read from CUPTI's buffers
    uint64_t dropped;           // records CUPTI dropped (buffers full): the trace is incomplete
    uint64_t buffers;           // buffers completed by CUPTI
    uint64_t delivered;         // BsGpuActivity records handed out by drain()
    uint64_t queue_dropped;     // converted records dropped because drain() was not called enough
    uint64_t unjoined;          // records delivered without an external id
    uint64_t bad_timestamps;    // records with a zero or reversed interval, skipped
    uint64_t clock_samples;     // CUPTI/host clock pairs taken
    double clock_slope;         // host ns per CUPTI ns of the fitted line (~1)
    int64_t clock_offset_ns;    // host minus CUPTI clock at the first sample
} BsCuptiStats;

typedef struct BsCuptiSession BsCuptiSession;  // opaque, owned by the plugin

typedef struct BsCuptiCollectorApi {
    uint32_t struct_size;  // sizeof(BsCuptiCollectorApi) as the plugin was built
    // Probes the GPU, then enables CONCURRENT_KERNEL, MEMCPY, MEMSET, RUNTIME, SYNCHRONIZATION,
    // EXTERNAL_CORRELATION and OVERHEAD activity with a periodic flush (0: CUPTI's default).
    // Returns NULL when CUPTI cannot start (no GPU or driver, another profiler attached,
    // insufficient privileges, a second session), with the reason in `why` (NUL-terminated).
    BsCuptiSession* (*start)(uint32_t flush_period_ms, char* why, uint32_t why_cap);
    // Forced flush, disables collection, frees the session (undrained records are lost).
    void (*stop)(BsCuptiSession* s);
    // Asks CUPTI to hand over its buffers (forced: also the ones still being filled). Returns the
    // CUPTI result (0 = success). Never call it from inside GPU work of another thread's push.
    int32_t (*flush)(BsCuptiSession* s, int32_t forced);
    // Tags the GPU work launched next from THIS thread with an id (>= 0) and phase, until pop.
    int32_t (*push_external_id)(BsCuptiSession* s, int64_t id, uint8_t phase);
    int32_t (*pop_external_id)(BsCuptiSession* s);
    // Converts the completed buffers and copies up to `cap` records into `out`; returns how many.
    // Records whose external correlation has not arrived yet are held back for a while.
    uint32_t (*drain)(BsCuptiSession* s, BsGpuActivity* out, uint32_t cap);
    // The name behind a name_id into `out` (NUL-terminated, truncated); returns its full length.
    uint32_t (*name)(BsCuptiSession* s, uint32_t name_id, char* out, uint32_t cap);
    // Fills `out` up to out->struct_size bytes.
    void (*stats)(BsCuptiSession* s, BsCuptiStats* out);
} BsCuptiCollectorApi;

// The one exported symbol. Returns NULL when the plugin cannot serve `requested_abi`.
typedef const BsGpuPluginApi* (*BsGpuPluginEntryFn)(uint32_t requested_abi);

#ifdef __cplusplus
}  // extern "C"
#endif
