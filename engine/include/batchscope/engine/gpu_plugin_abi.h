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
    // Appended later (same ABI version): const struct BsGpuBackendApi* backend;
    //                                     const struct BsCuptiCollectorApi* cupti;
} BsGpuPluginApi;

// The one exported symbol. Returns NULL when the plugin cannot serve `requested_abi`.
typedef const BsGpuPluginApi* (*BsGpuPluginEntryFn)(uint32_t requested_abi);

#ifdef __cplusplus
}  // extern "C"
#endif
