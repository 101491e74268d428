#pragma once
// The CUDA compute backend as a C++ class: loads the compute table from the GPU plugin
// (gpu_plugin_abi.h) and wraps it with RAII buffers, events and exceptions. No CUDA header,
// no CUDA library: everything goes through the plugin opened at run time.
//
// Device pointers are opaque here: pass them back to the backend, never dereference them.
// Streams: kernels and GEMMs run on the compute stream; copies go to the stream asked for, and
// events order the two (record on one, wait on the other). One thread at a time per backend,
// except pinned() and freeing a PinnedBuffer where pinned_from_any_thread(): then any thread may
// (the loader's workers grow their page-locked batch buffers, loader/host_memory.h, while the
// trainer queues work).
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/profiler/event.h"

struct BsCuptiCollectorApi;
struct BsGpuComputeApi;
struct BsGpuContext;
struct BsGpuEvent;
struct BsGpuGraph;

namespace batchscope::engine {

enum class GpuErrc {
    out_of_memory,     // device pool or page-locked memory exhausted: lower the batch size
    no_device,         // no usable GPU
    invalid_argument,  // the call was wrong (a bug on the caller's side)
    cuda,              // a CUDA runtime call failed
    cublas,            // a cuBLAS call failed
    unsupported,       // the plugin does not offer this (too old, or a test fake)
    unknown            // a status this program does not know (a newer plugin)
};
// Maps a BsGpuStatus (non-zero) to the error code.
GpuErrc gpu_errc_from_status(int32_t status) noexcept;
const char* to_string(GpuErrc e) noexcept;

class GpuError : public std::runtime_error {
public:
    GpuError(GpuErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    GpuErrc code() const noexcept { return code_; }

private:
    GpuErrc code_;
};

enum class GpuStream : int32_t { compute = 0, copy = 1 };
enum class GpuActivation : int32_t { identity = 0, relu = 1, gelu = 2 };

struct GpuMemoryStats {
    uint64_t pool_reserved_bytes = 0;  // device memory the pool holds (in use + cached)
    uint64_t pool_in_use_bytes = 0;
    uint64_t pool_peak_in_use_bytes = 0;
    uint64_t device_mallocs = 0;       // cudaMalloc calls so far: flat once training is warm
    uint64_t pool_reuses = 0;
    uint64_t pinned_bytes = 0;         // page-locked host memory
    uint64_t device_free_bytes = 0;    // cudaMemGetInfo
    uint64_t device_total_bytes = 0;
    uint64_t live_device_buffers = 0;  // DeviceBuffer objects alive (host-side count)
    uint64_t live_pinned_buffers = 0;
};

struct GpuBackendOptions {
    std::string plugin_path;        // empty: the usual search (see probe_gpu)
    int device = 0;
    bool tf32 = false;              // cuBLAS may use TF32 tensor cores (~1e-3 relative error)
    uint64_t pool_limit_bytes = 0;  // 0: as much as the device has
};

class PluginCuptiCollector;

namespace detail {
struct GpuCore;  // the table + context, shared by the backend and every buffer it made
}

namespace detail {
enum class GpuMemoryKind { Device, Pinned };
}

// Memory the GPU backend handed out, freed when destroyed (Device: returned to the device pool;
// Pinned: page-locked host memory, for copies that overlap compute). Move-only. Use the
// DeviceBuffer and PinnedBuffer names below.
template <detail::GpuMemoryKind Kind>
class GpuMemory {
public:
    GpuMemory() = default;
    GpuMemory(GpuMemory&&) noexcept;
    GpuMemory& operator=(GpuMemory&&) noexcept;
    GpuMemory(const GpuMemory&) = delete;
    GpuMemory& operator=(const GpuMemory&) = delete;
    ~GpuMemory();

    void* data() const noexcept { return ptr_; }
    float* floats() const noexcept { return static_cast<float*>(ptr_); }
    int32_t* ints() const noexcept { return static_cast<int32_t*>(ptr_); }
    size_t bytes() const noexcept { return bytes_; }
    explicit operator bool() const noexcept { return ptr_ != nullptr; }
    void reset() noexcept;

private:
    friend class GpuBackend;
    GpuMemory(std::shared_ptr<detail::GpuCore> core, void* p, size_t bytes) noexcept;
    std::shared_ptr<detail::GpuCore> core_;
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// A device allocation from the pool.
using DeviceBuffer = GpuMemory<detail::GpuMemoryKind::Device>;
// Page-locked host memory.
using PinnedBuffer = GpuMemory<detail::GpuMemoryKind::Pinned>;
extern template class GpuMemory<detail::GpuMemoryKind::Device>;
extern template class GpuMemory<detail::GpuMemoryKind::Pinned>;

class GpuEvent {
public:
    GpuEvent() = default;
    GpuEvent(GpuEvent&&) noexcept;
    GpuEvent& operator=(GpuEvent&&) noexcept;
    GpuEvent(const GpuEvent&) = delete;
    GpuEvent& operator=(const GpuEvent&) = delete;
    ~GpuEvent();
    explicit operator bool() const noexcept { return ev_ != nullptr; }

private:
    friend class GpuBackend;
    GpuEvent(std::shared_ptr<detail::GpuCore> core, BsGpuEvent* ev) noexcept;
    void reset() noexcept;
    std::shared_ptr<detail::GpuCore> core_;
    BsGpuEvent* ev_ = nullptr;
};

// An executable CUDA graph (GpuBackend::end_capture): the work captured on a stream, replayed by
// GpuBackend::launch with the pointers and sizes it was captured with. Move-only; destroying it
// waits for both streams.
class GpuGraph {
public:
    GpuGraph() = default;
    GpuGraph(GpuGraph&&) noexcept;
    GpuGraph& operator=(GpuGraph&&) noexcept;
    GpuGraph(const GpuGraph&) = delete;
    GpuGraph& operator=(const GpuGraph&) = delete;
    ~GpuGraph();
    explicit operator bool() const noexcept { return graph_ != nullptr; }
    void reset() noexcept;

private:
    friend class GpuBackend;
    GpuGraph(std::shared_ptr<detail::GpuCore> core, BsGpuGraph* g) noexcept;
    std::shared_ptr<detail::GpuCore> core_;
    BsGpuGraph* graph_ = nullptr;
};

class GpuBackend {
public:
    // Loads the plugin, checks its compute table and creates the context. Never throws: on
    // failure returns nullptr and `why` says why the GPU is unavailable (one line).
    static std::unique_ptr<GpuBackend> open(const GpuBackendOptions& options, std::string& why);
    ~GpuBackend();
    GpuBackend(const GpuBackend&) = delete;
    GpuBackend& operator=(const GpuBackend&) = delete;

    const GpuProbeResult& probe() const noexcept { return probe_; }
    bool tf32() const noexcept { return tf32_; }
    void set_tf32(bool on);

    // Everything below throws GpuError with the plugin's message on failure.
    DeviceBuffer device(size_t bytes);
    DeviceBuffer device_floats(size_t n) { return device(n * sizeof(float)); }
    PinnedBuffer pinned(size_t bytes);
    // Whether pinned() and freeing a PinnedBuffer may happen on other threads than the one using
    // the backend (false for a plugin built before that promise).
    bool pinned_from_any_thread() const noexcept;
    PinnedBuffer pinned_floats(size_t n) { return pinned(n * sizeof(float)); }
    GpuEvent event();
    GpuMemoryStats memory_stats();
    void release_cached();

    void copy_h2d(void* device_dst, const void* host_src, size_t bytes, GpuStream s);
    void copy_d2h(void* host_dst, const void* device_src, size_t bytes, GpuStream s);
    void fill(float* device_dst, size_t n, float value, GpuStream s = GpuStream::compute);
    void record(GpuEvent& e, GpuStream s);
    void wait(GpuStream s, GpuEvent& e);  // work queued on s after this waits for e
    void synchronize(GpuEvent& e);
    void synchronize(GpuStream s);
    float elapsed_ms(GpuEvent& start, GpuEvent& end);

    // Row-major C[m x n] = alpha op(A) op(B) + beta C.
    void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
               int ldb, float beta, float* c, int ldc);
    void bias_activation(GpuActivation act, float* z, const float* bias, float* a, int rows, int cols);
    void activation_backward(GpuActivation act, const float* x, const float* dy, float* dx, size_t n);
    void softmax_xent(const float* logits, const int32_t* labels, int rows, int cols, float grad_scale,
                      float* row_loss, float* grad);
    void hinge(const float* scores, const int32_t* labels, int rows, int cols, float grad_scale, float margin,
               float* row_loss, float* grad);
    void argmax_match(const float* logits, const int32_t* labels, int rows, int cols, float* row_correct);
    void sgd_momentum(float* w, float* v, const float* g, size_t n, float lr, float momentum, float weight_decay);
    void adam(float* w, float* m, float* v, const float* g, size_t n, float lr, float beta1, float beta2, float eps,
              float weight_decay, int step);
    void sum(const float* x, size_t n, float* out);
    void column_sum(const float* x, int rows, int cols, float beta, float* out);

    // For the layer stack of engine/model (same meanings as its Backend interface).
    void activation(GpuActivation act, const float* x, float* y, size_t n);
    void bias_add(float* y, const float* bias, int outer, int channels, int inner);
    void bias_grad(const float* dy, int outer, int channels, int inner, float* gb);
    void dropout(const float* x, const float* keep, float scale, float* y, size_t n);
    void dropout_grad(const float* dy, const float* keep, float scale, float* dx, size_t n);
    void im2col(const float* x, int c, int h, int w, int k, int stride, int pad, float* col);
    void col2im(const float* col, int c, int h, int w, int k, int stride, int pad, float* x);
    void maxpool(const float* x, int planes, int h, int w, int k, int s, float* y, int32_t* arg);
    void maxpool_grad(const float* dy, const int32_t* arg, int planes, int h, int w, int k, int s, float* dx);
    // Batched convolution (the plugin's appended block): n samples unfolded into one GEMM operand.
    void im2col_batch(const float* x, int n, int c, int h, int w, int k, int stride, int pad, float* col);
    void col2im_batch(const float* col, int n, int c, int h, int w, int k, int stride, int pad, float* x);
    void transpose_outer(const float* x, int a, int b, int inner, float* y);
    // 8-bit batches on the device: n samples of `pixels` x `channels` (1 or 3) bytes, HWC, into
    // CHW floats (byte * scale[c] + bias[c], rounded as the host's data::Collator does: the same
    // bits), on the compute stream. device_collate() is false for a plugin built before it (the
    // call then throws GpuError unsupported).
    bool device_collate() const noexcept;
    void collate_u8(const uint8_t* hwc, int n, int pixels, int channels, const std::array<float, 3>& scale,
                    const std::array<float, 3>& bias, float* chw);

    // CUDA graphs. graphs() is false for a plugin built before them (the calls below then throw
    // GpuError unsupported). Between begin_capture(s) and end_capture(s), the work queued on s
    // from this thread is recorded instead of run, and record() on s becomes part of the graph
    // (the event is recorded at every launch). Queue nothing on the other stream and wait on no
    // event recorded outside the capture meanwhile. end_capture always ends the capture; when
    // something inside it failed it throws GpuError with the reason, and nothing captured ran.
    bool graphs() const noexcept;
    void begin_capture(GpuStream s);
    GpuGraph end_capture(GpuStream s);
    void launch(GpuGraph& g, GpuStream s);
    // How many captures this backend has begun (each is a one-off cost where it happens: a serving
    // path makes them before the stream, never on a request's path). Any thread may read it.
    uint64_t captures_begun() const noexcept { return captures_begun_.load(std::memory_order_relaxed); }

    // CUPTI tagging. The plugin's collector table (null when it has none). While a started
    // collector is attached and a work id (>= 0, the iteration) is set, the GPU work launched
    // inside a Tag's life is tagged with that id and the Tag's phase (external correlation), so
    // its records join the iteration. Otherwise a Tag costs a branch.
    const BsCuptiCollectorApi* cupti_api() const noexcept { return cupti_; }
    void attach_cupti(PluginCuptiCollector* collector) noexcept { tagger_ = collector; }
    void set_work_id(int64_t id) noexcept { work_id_ = id; }
    class Tag {
    public:
        Tag(GpuBackend& gpu, profiler::Phase phase) noexcept;
        ~Tag();
        Tag(const Tag&) = delete;
        Tag& operator=(const Tag&) = delete;

    private:
        // The backend whose collector the tag was pushed on; the pop goes to its collector if it
        // is still attached (a tag that outlives the run's trace pops nothing).
        GpuBackend* pushed_ = nullptr;
    };

private:
    GpuBackend(std::shared_ptr<detail::GpuCore> core, GpuProbeResult probe, bool tf32,
               const BsCuptiCollectorApi* cupti);
    std::shared_ptr<detail::GpuCore> core_;
    GpuProbeResult probe_;
    bool tf32_ = false;
    const BsCuptiCollectorApi* cupti_ = nullptr;
    PluginCuptiCollector* tagger_ = nullptr;
    int64_t work_id_ = -1;
    std::atomic<uint64_t> captures_begun_{0};
};

}  // namespace batchscope::engine
