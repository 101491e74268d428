// GpuBackend: the plugin's compute table behind a C++ class. Every status the plugin returns
// becomes a GpuError carrying the plugin's own message; buffers keep the context alive.
#include "batchscope/engine/gpu_backend.h"

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/engine/plugin_cupti_collector.h"
#include "gpu_plugin_loader.h"

#include <atomic>
#include <utility>

namespace batchscope::engine {

GpuErrc gpu_errc_from_status(int32_t status) noexcept {
    switch (status) {
    case BS_GPU_ERR_OUT_OF_MEMORY: return GpuErrc::out_of_memory;
    case BS_GPU_ERR_NO_DEVICE: return GpuErrc::no_device;
    case BS_GPU_ERR_INVALID_ARGUMENT: return GpuErrc::invalid_argument;
    case BS_GPU_ERR_CUDA: return GpuErrc::cuda;
    case BS_GPU_ERR_CUBLAS: return GpuErrc::cublas;
    case BS_GPU_ERR_UNSUPPORTED: return GpuErrc::unsupported;
    default: return GpuErrc::unknown;
    }
}

const char* to_string(GpuErrc e) noexcept {
    switch (e) {
    case GpuErrc::out_of_memory: return "out of memory";
    case GpuErrc::no_device: return "no usable GPU";
    case GpuErrc::invalid_argument: return "invalid argument";
    case GpuErrc::cuda: return "CUDA error";
    case GpuErrc::cublas: return "cuBLAS error";
    case GpuErrc::unsupported: return "not supported by the GPU plugin";
    case GpuErrc::unknown: break;
    }
    return "unknown GPU plugin status";
}

namespace detail {

struct GpuCore {
    const BsGpuComputeApi* api = nullptr;
    BsGpuContext* ctx = nullptr;
    std::atomic<uint64_t> live_device{0};
    std::atomic<uint64_t> live_pinned{0};

    GpuCore(const BsGpuComputeApi* a, BsGpuContext* c) : api(a), ctx(c) {}
    GpuCore(const GpuCore&) = delete;
    GpuCore& operator=(const GpuCore&) = delete;
    ~GpuCore() { api->destroy(ctx); }

    GpuError error(int32_t status, const char* what) const {
        std::string text;
        if (api->last_error) {
            text.resize(api->last_error(ctx, nullptr, 0));
            if (!text.empty()) api->last_error(ctx, text.data(), static_cast<uint32_t>(text.size() + 1));
        }
        const GpuErrc code = gpu_errc_from_status(status);
        if (text.empty()) text = std::string(to_string(code)) + " (status " + std::to_string(status) + ")";
        return GpuError(code, std::string(what) + ": " + text);
    }

    template <typename Fn, typename... Args>
    void call(const char* what, Fn fn, Args... args) const {
        if (!fn) throw GpuError(GpuErrc::unsupported, std::string("the GPU plugin does not offer ") + what);
        if (const int32_t st = fn(ctx, args...); st != BS_GPU_OK) throw error(st, what);
    }
};

}  // namespace detail

// ---- RAII owners ----------------------------------------------------------------------------

template <detail::GpuMemoryKind Kind>
GpuMemory<Kind>::GpuMemory(std::shared_ptr<detail::GpuCore> core, void* p, size_t bytes) noexcept
    : core_(std::move(core)), ptr_(p), bytes_(bytes) {
    ++(Kind == detail::GpuMemoryKind::Device ? core_->live_device : core_->live_pinned);
}
template <detail::GpuMemoryKind Kind>
GpuMemory<Kind>::GpuMemory(GpuMemory&& o) noexcept
    : core_(std::move(o.core_)), ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
template <detail::GpuMemoryKind Kind>
GpuMemory<Kind>& GpuMemory<Kind>::operator=(GpuMemory&& o) noexcept {
    if (this != &o) {
        reset();
        core_ = std::move(o.core_);
        ptr_ = std::exchange(o.ptr_, nullptr);
        bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
}
template <detail::GpuMemoryKind Kind>
GpuMemory<Kind>::~GpuMemory() {
    reset();
}
template <detail::GpuMemoryKind Kind>
void GpuMemory<Kind>::reset() noexcept {
    if (ptr_) {
        // A failure to free has nowhere to go.
        if constexpr (Kind == detail::GpuMemoryKind::Device) {
            core_->api->device_free(core_->ctx, ptr_);
            --core_->live_device;
        } else {
            core_->api->host_free(core_->ctx, ptr_);
            --core_->live_pinned;
        }
    }
    ptr_ = nullptr;
    bytes_ = 0;
    core_.reset();
}
template class GpuMemory<detail::GpuMemoryKind::Device>;
template class GpuMemory<detail::GpuMemoryKind::Pinned>;

GpuEvent::GpuEvent(std::shared_ptr<detail::GpuCore> core, BsGpuEvent* ev) noexcept
    : core_(std::move(core)), ev_(ev) {}
GpuEvent::GpuEvent(GpuEvent&& o) noexcept : core_(std::move(o.core_)), ev_(std::exchange(o.ev_, nullptr)) {}
GpuEvent& GpuEvent::operator=(GpuEvent&& o) noexcept {
    if (this != &o) {
        reset();
        core_ = std::move(o.core_);
        ev_ = std::exchange(o.ev_, nullptr);
    }
    return *this;
}
GpuEvent::~GpuEvent() { reset(); }
void GpuEvent::reset() noexcept {
    if (ev_) core_->api->event_destroy(core_->ctx, ev_);
    ev_ = nullptr;
    core_.reset();
}

GpuGraph::GpuGraph(std::shared_ptr<detail::GpuCore> core, BsGpuGraph* g) noexcept : core_(std::move(core)), graph_(g) {}
GpuGraph::GpuGraph(GpuGraph&& o) noexcept : core_(std::move(o.core_)), graph_(std::exchange(o.graph_, nullptr)) {}
GpuGraph& GpuGraph::operator=(GpuGraph&& o) noexcept {
    if (this != &o) {
        reset();
        core_ = std::move(o.core_);
        graph_ = std::exchange(o.graph_, nullptr);
    }
    return *this;
}
GpuGraph::~GpuGraph() { reset(); }
void GpuGraph::reset() noexcept {
    if (graph_) core_->api->graph_destroy(core_->ctx, graph_);  // a failure to destroy has nowhere to go
    graph_ = nullptr;
    core_.reset();
}

// ---- Opening --------------------------------------------------------------------------------

namespace {

std::string on_cpu(const std::string& reason) { return reason + " — running on the CPU"; }

// The table must be this program's version and hold every function this program calls (up to the
// batched-convolution block).
bool compute_table_ok(const BsGpuPluginApi& api, const std::string& path, std::string& why) {
    const std::string plugin = "GPU plugin '" + path + "'";
    if (!BS_GPU_ABI_HAS_FIELD(BsGpuPluginApi, compute, api.struct_size) || !api.compute) {
        why = on_cpu(plugin + " has no compute backend (it was built before the CUDA backend existed): rebuild it");
        return false;
    }
    const BsGpuComputeApi& c = *api.compute;
    if (c.abi_version != BS_GPU_COMPUTE_ABI_VERSION) {
        why = on_cpu(plugin + " has compute table version " + std::to_string(c.abi_version) +
                     ", this program needs version " + std::to_string(BS_GPU_COMPUTE_ABI_VERSION) +
                     " (it belongs to another Batchscope version)");
        return false;
    }
    if (!BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi, transpose_outer, c.struct_size) || !c.create || !c.destroy ||
        !c.device_alloc || !c.device_free || !c.host_alloc || !c.host_free || !c.event_create || !c.event_destroy) {
        why = on_cpu(plugin + " has an incomplete compute table (" + std::to_string(c.struct_size) +
                     " bytes): rebuild it");
        return false;
    }
    return true;
}

}  // namespace

std::unique_ptr<GpuBackend> GpuBackend::open(const GpuBackendOptions& options, std::string& why) {
    try {
        detail::LoadedGpuPlugin plugin = detail::load_gpu_plugin(options.plugin_path);
        if (!plugin.api) {
            why = plugin.probe.reason;
            return nullptr;
        }
        if (!compute_table_ok(*plugin.api, plugin.probe.plugin_path, why)) return nullptr;
        if (!plugin.probe.usable) {
            why = plugin.probe.reason;
            return nullptr;
        }
        BsGpuComputeOptions o{};
        o.struct_size = sizeof o;
        o.device = options.device;
        o.flags = options.tf32 ? uint32_t{BS_GPU_COMPUTE_TF32} : 0u;
        o.pool_limit_bytes = options.pool_limit_bytes;
        char reason[512] = "";
        BsGpuContext* ctx = nullptr;
        const int32_t st = plugin.api->compute->create(&o, &ctx, reason, sizeof reason);
        if (st != BS_GPU_OK || !ctx) {
            why = on_cpu(std::string("the GPU compute backend could not start (") +
                         to_string(gpu_errc_from_status(st)) + "): " + reason);
            return nullptr;
        }
        auto core = std::make_shared<detail::GpuCore>(plugin.api->compute, ctx);
        const BsCuptiCollectorApi* cupti =
            BS_GPU_ABI_HAS_FIELD(BsGpuPluginApi, cupti, plugin.api->struct_size) ? plugin.api->cupti : nullptr;
        return std::unique_ptr<GpuBackend>(
            new GpuBackend(std::move(core), std::move(plugin.probe), options.tf32, cupti));
    } catch (const std::exception& e) {
        why = on_cpu(std::string("the GPU compute backend failed to open: ") + e.what());
        return nullptr;
    }
}

GpuBackend::GpuBackend(std::shared_ptr<detail::GpuCore> core, GpuProbeResult probe, bool tf32,
                       const BsCuptiCollectorApi* cupti)
    : core_(std::move(core)), probe_(std::move(probe)), tf32_(tf32), cupti_(cupti) {}

GpuBackend::Tag::Tag(GpuBackend& gpu, profiler::Phase phase) noexcept {
    if (gpu.tagger_ && gpu.work_id_ >= 0 && gpu.tagger_->push(gpu.work_id_, phase)) pushed_ = &gpu;
}
GpuBackend::Tag::~Tag() {
    if (pushed_ && pushed_->tagger_) pushed_->tagger_->pop();
}

GpuBackend::~GpuBackend() = default;  // the context goes with the last buffer that holds it

void GpuBackend::set_tf32(bool on) {
    core_->call("set_tf32", core_->api->set_tf32, int32_t{on});
    tf32_ = on;
}

// ---- Memory, copies, events -------------------------------------------------------------------

DeviceBuffer GpuBackend::device(size_t bytes) {
    void* p = nullptr;
    core_->call("device_alloc", core_->api->device_alloc, uint64_t{bytes}, &p);
    return DeviceBuffer(core_, p, bytes);
}

PinnedBuffer GpuBackend::pinned(size_t bytes) {
    void* p = nullptr;
    core_->call("host_alloc", core_->api->host_alloc, uint64_t{bytes}, &p);
    return PinnedBuffer(core_, p, bytes);
}

GpuEvent GpuBackend::event() {
    BsGpuEvent* e = nullptr;
    core_->call("event_create", core_->api->event_create, &e);
    return GpuEvent(core_, e);
}

GpuMemoryStats GpuBackend::memory_stats() {
    BsGpuMemoryStats s{};
    s.struct_size = sizeof s;
    core_->call("memory_stats", core_->api->memory_stats, &s);
    GpuMemoryStats out;
    out.pool_reserved_bytes = s.pool_reserved_bytes;
    out.pool_in_use_bytes = s.pool_in_use_bytes;
    out.pool_peak_in_use_bytes = s.pool_peak_in_use_bytes;
    out.device_mallocs = s.pool_device_mallocs;
    out.pool_reuses = s.pool_reuses;
    out.pinned_bytes = s.pinned_bytes;
    out.device_free_bytes = s.device_free_bytes;
    out.device_total_bytes = s.device_total_bytes;
    out.live_device_buffers = core_->live_device.load();
    out.live_pinned_buffers = core_->live_pinned.load();
    return out;
}

void GpuBackend::release_cached() { core_->call("release_cached", core_->api->release_cached); }

void GpuBackend::copy_h2d(void* dst, const void* src, size_t bytes, GpuStream s) {
    core_->call("copy_h2d", core_->api->copy_h2d, dst, src, uint64_t{bytes}, static_cast<int32_t>(s));
}
void GpuBackend::copy_d2h(void* dst, const void* src, size_t bytes, GpuStream s) {
    core_->call("copy_d2h", core_->api->copy_d2h, dst, src, uint64_t{bytes}, static_cast<int32_t>(s));
}
void GpuBackend::fill(float* dst, size_t n, float value, GpuStream s) {
    core_->call("fill", core_->api->fill, dst, uint64_t{n}, value, static_cast<int32_t>(s));
}
void GpuBackend::record(GpuEvent& e, GpuStream s) {
    core_->call("event_record", core_->api->event_record, e.ev_, static_cast<int32_t>(s));
}
void GpuBackend::wait(GpuStream s, GpuEvent& e) {
    core_->call("stream_wait_event", core_->api->stream_wait_event, static_cast<int32_t>(s), e.ev_);
}
void GpuBackend::synchronize(GpuEvent& e) { core_->call("event_synchronize", core_->api->event_synchronize, e.ev_); }
void GpuBackend::synchronize(GpuStream s) {
    core_->call("stream_synchronize", core_->api->stream_synchronize, static_cast<int32_t>(s));
}
float GpuBackend::elapsed_ms(GpuEvent& start, GpuEvent& end) {
    float ms = 0.f;
    core_->call("event_elapsed_ms", core_->api->event_elapsed_ms, start.ev_, end.ev_, &ms);
    return ms;
}

// ---- CUDA graphs ------------------------------------------------------------------------------

bool GpuBackend::graphs() const noexcept {
    const BsGpuComputeApi& c = *core_->api;
    return BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi, graph_destroy, c.struct_size) && c.graph_begin_capture &&
           c.graph_end_capture && c.graph_launch && c.graph_destroy;
}

void GpuBackend::begin_capture(GpuStream s) {
    if (!graphs()) throw GpuError(GpuErrc::unsupported, "the GPU plugin has no CUDA graphs (it was built before them)");
    captures_begun_.fetch_add(1, std::memory_order_relaxed);
    core_->call("graph_begin_capture", core_->api->graph_begin_capture, static_cast<int32_t>(s));
}

GpuGraph GpuBackend::end_capture(GpuStream s) {
    if (!graphs()) throw GpuError(GpuErrc::unsupported, "the GPU plugin has no CUDA graphs (it was built before them)");
    BsGpuGraph* g = nullptr;
    core_->call("graph_end_capture", core_->api->graph_end_capture, static_cast<int32_t>(s), &g);
    if (!g) throw GpuError(GpuErrc::unknown, "graph_end_capture: the GPU plugin returned no graph");
    return GpuGraph(core_, g);
}

void GpuBackend::launch(GpuGraph& g, GpuStream s) {
    if (!g) throw GpuError(GpuErrc::invalid_argument, "graph_launch: an empty GpuGraph");
    core_->call("graph_launch", core_->api->graph_launch, g.graph_, static_cast<int32_t>(s));
}

// ---- Compute --------------------------------------------------------------------------------

void GpuBackend::sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                       int ldb, float beta, float* c, int ldc) {
    core_->call("sgemm", core_->api->sgemm, int32_t{ta}, int32_t{tb}, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void GpuBackend::bias_activation(GpuActivation act, float* z, const float* bias, float* a, int rows, int cols) {
    core_->call("bias_activation", core_->api->bias_activation, static_cast<int32_t>(act), z, bias, a, rows, cols);
}
void GpuBackend::activation_backward(GpuActivation act, const float* x, const float* dy, float* dx, size_t n) {
    core_->call("activation_backward", core_->api->activation_backward, static_cast<int32_t>(act), x, dy, dx,
                uint64_t{n});
}
void GpuBackend::softmax_xent(const float* logits, const int32_t* labels, int rows, int cols, float grad_scale,
                              float* row_loss, float* grad) {
    core_->call("softmax_xent", core_->api->softmax_xent, logits, labels, rows, cols, grad_scale, row_loss, grad);
}
void GpuBackend::hinge(const float* scores, const int32_t* labels, int rows, int cols, float grad_scale,
                       float margin, float* row_loss, float* grad) {
    core_->call("hinge", core_->api->hinge, scores, labels, rows, cols, grad_scale, margin, row_loss, grad);
}
void GpuBackend::argmax_match(const float* logits, const int32_t* labels, int rows, int cols, float* row_correct) {
    core_->call("argmax_match", core_->api->argmax_match, logits, labels, rows, cols, row_correct);
}
void GpuBackend::sgd_momentum(float* w, float* v, const float* g, size_t n, float lr, float momentum,
                              float weight_decay) {
    core_->call("sgd_momentum", core_->api->sgd_momentum, w, v, g, uint64_t{n}, lr, momentum, weight_decay);
}
void GpuBackend::adam(float* w, float* m, float* v, const float* g, size_t n, float lr, float beta1, float beta2,
                      float eps, float weight_decay, int step) {
    core_->call("adam", core_->api->adam, w, m, v, g, uint64_t{n}, lr, beta1, beta2, eps, weight_decay, step);
}
void GpuBackend::sum(const float* x, size_t n, float* out) {
    core_->call("sum", core_->api->sum, x, uint64_t{n}, out);
}
void GpuBackend::column_sum(const float* x, int rows, int cols, float beta, float* out) {
    core_->call("column_sum", core_->api->column_sum, x, rows, cols, beta, out);
}

void GpuBackend::activation(GpuActivation act, const float* x, float* y, size_t n) {
    core_->call("activation_forward", core_->api->activation_forward, static_cast<int32_t>(act), x, y, uint64_t{n});
}
void GpuBackend::bias_add(float* y, const float* bias, int outer, int channels, int inner) {
    core_->call("bias_add", core_->api->bias_add, y, bias, outer, channels, inner);
}
void GpuBackend::bias_grad(const float* dy, int outer, int channels, int inner, float* gb) {
    core_->call("bias_grad", core_->api->bias_grad, dy, outer, channels, inner, gb);
}
void GpuBackend::dropout(const float* x, const float* keep, float scale, float* y, size_t n) {
    core_->call("dropout", core_->api->dropout, x, keep, scale, y, uint64_t{n});
}
void GpuBackend::dropout_grad(const float* dy, const float* keep, float scale, float* dx, size_t n) {
    core_->call("dropout_grad", core_->api->dropout_grad, dy, keep, scale, dx, uint64_t{n});
}
void GpuBackend::im2col(const float* x, int c, int h, int w, int k, int stride, int pad, float* col) {
    core_->call("im2col", core_->api->im2col, x, c, h, w, k, stride, pad, col);
}
void GpuBackend::col2im(const float* col, int c, int h, int w, int k, int stride, int pad, float* x) {
    core_->call("col2im", core_->api->col2im, col, c, h, w, k, stride, pad, x);
}
void GpuBackend::maxpool(const float* x, int planes, int h, int w, int k, int s, float* y, int32_t* arg) {
    core_->call("maxpool", core_->api->maxpool, x, planes, h, w, k, s, y, arg);
}
void GpuBackend::maxpool_grad(const float* dy, const int32_t* arg, int planes, int h, int w, int k, int s, float* dx) {
    core_->call("maxpool_grad", core_->api->maxpool_grad, dy, arg, planes, h, w, k, s, dx);
}
void GpuBackend::im2col_batch(const float* x, int n, int c, int h, int w, int k, int stride, int pad, float* col) {
    core_->call("im2col_batch", core_->api->im2col_batch, x, n, c, h, w, k, stride, pad, col);
}
void GpuBackend::col2im_batch(const float* col, int n, int c, int h, int w, int k, int stride, int pad, float* x) {
    core_->call("col2im_batch", core_->api->col2im_batch, col, n, c, h, w, k, stride, pad, x);
}
void GpuBackend::transpose_outer(const float* x, int a, int b, int inner, float* y) {
    core_->call("transpose_outer", core_->api->transpose_outer, x, a, b, inner, y);
}

bool GpuBackend::pinned_from_any_thread() const noexcept {
    const BsGpuComputeApi& c = *core_->api;
    return BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi, host_alloc_any_thread, c.struct_size) && c.host_alloc_any_thread != 0;
}

bool GpuBackend::device_collate() const noexcept {
    const BsGpuComputeApi& c = *core_->api;
    return BS_GPU_ABI_HAS_FIELD(BsGpuComputeApi, collate_u8, c.struct_size) && c.collate_u8;
}

void GpuBackend::collate_u8(const uint8_t* hwc, int n, int pixels, int channels, const std::array<float, 3>& scale,
                            const std::array<float, 3>& bias, float* chw) {
    if (!device_collate())
        throw GpuError(GpuErrc::unsupported, "the GPU plugin has no device collate (it was built before it)");
    BsGpuCollate p{};
    for (size_t c = 0; c < 3; ++c) p.scale[c] = scale[c], p.bias[c] = bias[c];
    core_->call("collate_u8", core_->api->collate_u8, hwc, int32_t{n}, int32_t{pixels}, int32_t{channels}, p, chw);
}

}  // namespace batchscope::engine
