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
    // Appended (same ABI version): cuptiGetVersion, the CUPTI API version; 0 when unknown (the plugin
    // opens libcupti only when its collector first starts: 0 before that, and when it is missing).
    int32_t cupti_version;
} BsGpuProbeInfo;

typedef struct BsGpuPluginApi {
    uint32_t struct_size;  // sizeof(BsGpuPluginApi) as the plugin was built
    uint32_t abi_version;  // BS_GPU_PLUGIN_ABI_VERSION the plugin was built with
    const char* description;  // static text, e.g. "batchscope_cuda 0.1.0 (CUDA 13.0)"
    // Fills `info` up to info->struct_size bytes; never throws. Returns info->status.
    int32_t (*probe)(BsGpuProbeInfo* info);
    // Appended (same ABI version): the CUPTI collector; check BS_GPU_ABI_HAS_FIELD first.
    const struct BsCuptiCollectorApi* cupti;
    // Appended (same plugin ABI version): the compute backend; check BS_GPU_ABI_HAS_FIELD first
    // (a plugin built before it has a smaller struct_size), then the table's own abi_version.
    const struct BsGpuComputeApi* compute;
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
    // Returns NULL when CUPTI cannot start (libcupti.so.13 missing or unusable: the plugin opens it
    // with dlopen at the first start; no GPU or driver, another profiler attached, insufficient
    // privileges, a second session), with the reason in `why` (NUL-terminated).
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

// ---- Compute backend --------------------------------------------------------------------------
// Device buffers from a caching pool, page-locked host buffers, a copy stream and a compute
// stream with events, cuBLAS SGEMM and Batchscope's own kernels. Pointers to device memory are
// opaque to the core: it never dereferences them, it passes them back. Every function returns a
// BsGpuStatus; on failure the context's last_error() holds one line saying what failed and why.
// The table has its own version: a core refuses a table whose abi_version differs from
// BS_GPU_COMPUTE_ABI_VERSION (a function changed meaning); new functions are appended.
#define BS_GPU_COMPUTE_ABI_VERSION 1u

// collate_u8's per-channel affine map (channel 0 only for one channel), passed by value.
typedef struct BsGpuCollate {
    float scale[3];
    float bias[3];
} BsGpuCollate;

typedef enum BsGpuStatus {
    BS_GPU_OK = 0,
    BS_GPU_ERR_OUT_OF_MEMORY = 1,     // device pool or page-locked host memory exhausted
    BS_GPU_ERR_NO_DEVICE = 2,         // create(): no usable GPU (driver missing, no device, ...)
    BS_GPU_ERR_INVALID_ARGUMENT = 3,  // null context/pointer, negative size, unknown enum value
    BS_GPU_ERR_CUDA = 4,              // a CUDA runtime call failed (named in last_error)
    BS_GPU_ERR_CUBLAS = 5,            // a cuBLAS call failed (named in last_error)
    BS_GPU_ERR_UNSUPPORTED = 6        // a struct the caller passed is too small for this plugin
} BsGpuStatus;

typedef enum BsGpuStream {
    BS_GPU_STREAM_COMPUTE = 0,  // kernels and GEMMs always run here
    BS_GPU_STREAM_COPY = 1      // host<->device copies meant to overlap compute
} BsGpuStream;

typedef enum BsGpuActivation {
    BS_GPU_ACT_IDENTITY = 0,
    BS_GPU_ACT_RELU = 1,
    BS_GPU_ACT_GELU = 2  // exact (erf) form, as PyTorch's default
} BsGpuActivation;

enum { BS_GPU_COMPUTE_TF32 = 1u };  // BsGpuComputeOptions.flags: cuBLAS may use TF32 tensor cores

typedef struct BsGpuComputeOptions {
    uint32_t struct_size;  // set by the CALLER
    int32_t device;        // CUDA device ordinal
    uint32_t flags;        // BS_GPU_COMPUTE_*
    uint32_t reserved;
    uint64_t pool_limit_bytes;  // the pool refuses to hold more than this (0: what the device has)
} BsGpuComputeOptions;

typedef struct BsGpuMemoryStats {
    uint32_t struct_size;  // set by the CALLER; filled up to it
    uint32_t reserved;
    uint64_t pool_reserved_bytes;     // device memory the pool holds (handed out + cached)
    uint64_t pool_in_use_bytes;       // handed out to live buffers (rounded to the pool's sizes)
    uint64_t pool_peak_in_use_bytes;
    uint64_t pool_device_mallocs;     // cudaMalloc calls so far: flat in a steady training loop
    uint64_t pool_reuses;             // allocations served from the cache
    uint64_t pinned_bytes;            // page-locked host memory held
    uint64_t device_free_bytes;       // cudaMemGetInfo at the time of the call
    uint64_t device_total_bytes;
} BsGpuMemoryStats;

// Opaque, owned by the plugin: device, streams, pool. Use a context from one thread at a time,
// the thread that created it (create() selects the device for that thread only).
typedef struct BsGpuContext BsGpuContext;
typedef struct BsGpuEvent BsGpuEvent;      // opaque CUDA event (timing enabled)
typedef struct BsGpuGraph BsGpuGraph;      // opaque executable CUDA graph (cudaGraphExec_t)

typedef struct BsGpuComputeApi {
    uint32_t struct_size;  // sizeof(BsGpuComputeApi) as the plugin was built
    uint32_t abi_version;  // BS_GPU_COMPUTE_ABI_VERSION the plugin was built with
    // Probes, selects the device, creates the streams and the cuBLAS handle. On failure *out is
    // NULL and `why` (NUL-terminated, truncated to why_cap) says what is missing.
    int32_t (*create)(const BsGpuComputeOptions* options, BsGpuContext** out, char* why, uint32_t why_cap);
    // Waits for both streams, frees the pool, the page-locked buffers and the handles.
    void (*destroy)(BsGpuContext* ctx);
    // The last failure's message into `out` (NUL-terminated); returns its full length.
    uint32_t (*last_error)(BsGpuContext* ctx, char* out, uint32_t cap);
    int32_t (*set_tf32)(BsGpuContext* ctx, int32_t on);

    // Memory. device_alloc never calls cudaMalloc for a size the pool has cached. device_free
    // first waits for the work queued on both streams (frees are rare: a batch-size change, the
    // end of a run), then keeps the block in the pool for the next allocation of its size.
    int32_t (*device_alloc)(BsGpuContext* ctx, uint64_t bytes, void** out);
    int32_t (*device_free)(BsGpuContext* ctx, void* ptr);
    // Page-locked host memory (host_alloc_any_thread, at the end: from which threads); host_free
    // waits for both streams, as cudaFreeHost does.
    int32_t (*host_alloc)(BsGpuContext* ctx, uint64_t bytes, void** out);
    int32_t (*host_free)(BsGpuContext* ctx, void* ptr);
    int32_t (*release_cached)(BsGpuContext* ctx);  // gives the pool's free blocks back to CUDA
    int32_t (*memory_stats)(BsGpuContext* ctx, BsGpuMemoryStats* out);

    // Copies (asynchronous on `stream`: page-locked host memory is needed for real overlap),
    // events (ordering between the streams, and timing), waits.
    int32_t (*copy_h2d)(BsGpuContext* ctx, void* dst, const void* src, uint64_t bytes, int32_t stream);
    int32_t (*copy_d2h)(BsGpuContext* ctx, void* dst, const void* src, uint64_t bytes, int32_t stream);
    int32_t (*fill)(BsGpuContext* ctx, float* dst, uint64_t n, float value, int32_t stream);
    int32_t (*event_create)(BsGpuContext* ctx, BsGpuEvent** out);
    int32_t (*event_destroy)(BsGpuContext* ctx, BsGpuEvent* ev);
    int32_t (*event_record)(BsGpuContext* ctx, BsGpuEvent* ev, int32_t stream);
    int32_t (*stream_wait_event)(BsGpuContext* ctx, int32_t stream, BsGpuEvent* ev);
    int32_t (*event_synchronize)(BsGpuContext* ctx, BsGpuEvent* ev);
    int32_t (*event_elapsed_ms)(BsGpuContext* ctx, BsGpuEvent* start, BsGpuEvent* end, float* ms);
    int32_t (*stream_synchronize)(BsGpuContext* ctx, int32_t stream);

    // Compute, all on the compute stream. Matrices are ROW-MAJOR with row strides lda/ldb/ldc:
    // C[m x n] = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T (trans_* != 0).
    int32_t (*sgemm)(BsGpuContext* ctx, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k,
                     float alpha, const float* a, int32_t lda, const float* b, int32_t ldb, float beta, float* c,
                     int32_t ldc);
    // z[rows x cols] += bias[cols] (in place, so z keeps the pre-activation for backward); then
    // a = act(z) when `a` is not NULL (it may equal z only for BS_GPU_ACT_IDENTITY).
    int32_t (*bias_activation)(BsGpuContext* ctx, int32_t act, float* z, const float* bias, float* a,
                               int32_t rows, int32_t cols);
    // dx[i] = act'(x[i]) * dy[i]  (x: the pre-activation); dx may equal dy.
    int32_t (*activation_backward)(BsGpuContext* ctx, int32_t act, const float* x, const float* dy, float* dx,
                                   uint64_t n);
    // Per row: row_loss[r] and grad[r x cols] = dLoss/dz * grad_scale. Labels are int32 in
    // [0, cols) (a label outside gives a NaN loss for that row, never a wild write).
    int32_t (*softmax_xent)(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows,
                            int32_t cols, float grad_scale, float* row_loss, float* grad);
    // Multi-class hinge (Crammer-Singer) with the given margin; same layout as softmax_xent.
    int32_t (*hinge)(BsGpuContext* ctx, const float* scores, const int32_t* labels, int32_t rows, int32_t cols,
                     float grad_scale, float margin, float* row_loss, float* grad);
    // row_correct[r] = 1 when the arg-max of row r equals labels[r], else 0.
    int32_t (*argmax_match)(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows,
                            int32_t cols, float* row_correct);
    // torch.optim.SGD (momentum, L2 weight decay), over n parameters.
    int32_t (*sgd_momentum)(BsGpuContext* ctx, float* w, float* v, const float* g, uint64_t n, float lr,
                            float momentum, float weight_decay);
    // torch.optim.Adam; step t >= 1 (the bias corrections are 1 - beta^t).
    int32_t (*adam)(BsGpuContext* ctx, float* w, float* m, float* v, const float* g, uint64_t n, float lr,
                    float beta1, float beta2, float eps, float weight_decay, int32_t t);
    // Reductions: *out = sum(x[0..n)) (one device float, deterministic order);
    // out[c] = beta * out[c] + sum_r x[r x cols + c] (bias gradients).
    int32_t (*sum)(BsGpuContext* ctx, const float* x, uint64_t n, float* out);
    int32_t (*column_sum)(BsGpuContext* ctx, const float* x, int32_t rows, int32_t cols, float beta, float* out);

    // For the layer stack of engine/model (Backend interface), same meanings as its CPU backend:
    // y = act(x) (y may equal x);
    int32_t (*activation_forward)(BsGpuContext* ctx, int32_t act, const float* x, float* y, uint64_t n);
    // y[(o * channels + c) * inner + i] += bias[c]; gb[c] = sum over o, i of dy[...] (overwritten);
    int32_t (*bias_add)(BsGpuContext* ctx, float* y, const float* bias, int32_t outer, int32_t channels, int32_t inner);
    int32_t (*bias_grad)(BsGpuContext* ctx, const float* dy, int32_t outer, int32_t channels, int32_t inner,
                         float* gb);
    // inverted dropout with a 0/1 `keep` mask made by the caller; scale = 1 / (1 - p);
    int32_t (*dropout)(BsGpuContext* ctx, const float* x, const float* keep, float scale, float* y, uint64_t n);
    int32_t (*dropout_grad)(BsGpuContext* ctx, const float* dy, const float* keep, float scale, float* dx,
                            uint64_t n);
    // one sample (c x h x w) unfolded for a k x k convolution: col is [c*k*k] x [oh*ow]; col2im
    // zeroes x, then adds the columns back;
    int32_t (*im2col)(BsGpuContext* ctx, const float* x, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                      int32_t pad, float* col);
    int32_t (*col2im)(BsGpuContext* ctx, const float* col, int32_t c, int32_t h, int32_t w, int32_t k,
                      int32_t stride, int32_t pad, float* x);
    // k x k max pooling, stride s, no padding, over `planes` planes of h x w; arg = the winner's
    // index in its plane; maxpool_grad zeroes dx, then adds dy at the winners.
    int32_t (*maxpool)(BsGpuContext* ctx, const float* x, int32_t planes, int32_t h, int32_t w, int32_t k, int32_t s,
                       float* y, int32_t* arg);
    int32_t (*maxpool_grad)(BsGpuContext* ctx, const float* dy, const int32_t* arg, int32_t planes, int32_t h,
                            int32_t w, int32_t k, int32_t s, float* dx);

    // ---- Appended (same compute ABI version): batched convolution, one GEMM per chunk of samples.
    // n samples (c x h x w each, back to back) unfolded for a k x k convolution into ONE matrix col
    // [c*k*k] x [n*oh*ow]: column s*oh*ow + p is sample s's output pixel p (im2col's layout, the
    // samples side by side). col2im_batch overwrites the n samples of x with the columns added back
    // (per element in (ky, kx) order, as col2im). Index math: elementwise_math.h (im2col_batch_source,
    // col2im_batch_gather), shared with the CPU.
    int32_t (*im2col_batch)(BsGpuContext* ctx, const float* x, int32_t n, int32_t c, int32_t h, int32_t w, int32_t k,
                            int32_t stride, int32_t pad, float* col);
    int32_t (*col2im_batch)(BsGpuContext* ctx, const float* col, int32_t n, int32_t c, int32_t h, int32_t w,
                            int32_t k, int32_t stride, int32_t pad, float* x);
    // y[(j * a + i) * inner + p] = x[(i * b + j) * inner + p]: [a][b][inner] -> [b][a][inner], between
    // the GEMM's [out_c][n * oh*ow] and the batch's [n][out_c][oh*ow]. x and y must not overlap.
    int32_t (*transpose_outer)(BsGpuContext* ctx, const float* x, int32_t a, int32_t b, int32_t inner, float* y);
    // ---- (end of the batched-convolution block)

    // ---- Appended (same compute ABI version): CUDA graphs. Check BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi,
    // graph_destroy, struct_size) first; a plugin built before them has a smaller table.
    // Starts capturing `stream` (cudaStreamBeginCapture, thread-local mode): until graph_end_capture, the work this
    // thread queues on it (copies, fills, kernels, GEMMs) is recorded into a graph instead of running, and
    // event_record on it becomes an event-record node (the event is recorded at every launch, so timing events
    // bracket parts of a replay). Queue nothing on the other stream meanwhile, and wait on no event recorded outside
    // the capture (that invalidates it).
    int32_t (*graph_begin_capture)(BsGpuContext* ctx, int32_t stream);
    // Ends the capture of `stream` and instantiates it (cudaStreamEndCapture, cudaGraphInstantiate). Always ends the
    // capture: when a call inside it failed or the capture was invalidated, *out is NULL, nothing captured ran, and
    // last_error says why.
    int32_t (*graph_end_capture)(BsGpuContext* ctx, int32_t stream, BsGpuGraph** out);
    // Queues one replay of `graph` on `stream` (cudaGraphLaunch): the captured work, with the pointers and sizes it
    // was captured with.
    int32_t (*graph_launch)(BsGpuContext* ctx, BsGpuGraph* graph, int32_t stream);
    int32_t (*graph_destroy)(BsGpuContext* ctx, BsGpuGraph* graph);  // waits for both streams first

    // ---- Appended (same compute ABI version): 8-bit batches converted to float on the device. Check
    // BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi, collate_u8, struct_size) first; a plugin built before it has a
    // smaller table. n samples of `pixels` pixels x `channels` (1 or 3) bytes, HWC as decoded, become n
    // samples of CHW floats on the compute stream:
    //   chw[(s * channels + c) * pixels + p] = float(hwc[(s * pixels + p) * channels + c]) * scale[c] + bias[c]
    // rounded after the product and after the sum (never a fused multiply-add), as the host's collate
    // (data::Collator) computes it: the results are bit-identical to it. hwc and chw are device memory.
    int32_t (*collate_u8)(BsGpuContext* ctx, const uint8_t* hwc, int32_t n, int32_t pixels, int32_t channels,
                          BsGpuCollate params, float* chw);

    // ---- Appended (same compute ABI version): check BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi,
    // host_alloc_any_thread, struct_size) first. Non-zero: host_alloc and host_free (and last_error
    // after them) may be called from any thread while another thread uses the context (the
    // loader's workers grow page-locked batch buffers while the trainer queues work). A plugin
    // built before it, or 0: only from the context's thread (the engine then builds batches in
    // pageable memory and copies each into page-locked staging).
    uint32_t host_alloc_any_thread;
} BsGpuComputeApi;

// The one exported symbol. Returns NULL when the plugin cannot serve `requested_abi`.
typedef const BsGpuPluginApi* (*BsGpuPluginEntryFn)(uint32_t requested_abi);

#ifdef __cplusplus
}  // extern "C"
#endif
