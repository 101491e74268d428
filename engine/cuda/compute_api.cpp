// The compute table: context, memory, copies, streams and events here; GEMM and kernels in
// compute_ops.cpp. Nothing throws across the C boundary; every failure is a status plus
// ctx->last_error.
#include "compute_api.h"

#include "compute_context.h"
#include "compute_graph.h"
#include "compute_check.h"
#include "compute_kernels.h"
#include "compute_ops.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace batchscope::cuda {
namespace {

int32_t api_create(const BsGpuComputeOptions* options, BsGpuContext** out, char* why, uint32_t cap) {
    std::string reason;
    int32_t st = BS_GPU_ERR_INVALID_ARGUMENT;
    if (out) *out = nullptr;
    if (!options || !out) {
        reason = "create: options and out must not be null";
    } else if (options->struct_size < offsetof(BsGpuComputeOptions, pool_limit_bytes) + sizeof(uint64_t)) {
        reason = "create: options struct too small (another Batchscope version?)";
        st = BS_GPU_ERR_UNSUPPORTED;
    } else {
        st = create_context(*options, *out, reason);
    }
    if (why && cap) {
        const size_t n = std::min<size_t>(reason.size(), cap - 1);
        std::memcpy(why, reason.data(), n);
        why[n] = '\0';
    }
    return st;
}

void api_destroy(BsGpuContext* ctx) { destroy_context(ctx); }

uint32_t api_last_error(BsGpuContext* ctx, char* out, uint32_t cap) {
    if (!ctx) return 0;
    const std::lock_guard lock(ctx->error_m);
    const std::string& e = ctx->last_error;
    if (out && cap) {
        const size_t n = std::min<size_t>(e.size(), cap - 1);
        std::memcpy(out, e.data(), n);
        out[n] = '\0';
    }
    return static_cast<uint32_t>(e.size());
}

int32_t api_set_tf32(BsGpuContext* ctx, int32_t on) {
    BS_REQUIRE_CTX();
    return set_math_mode(ctx, on != 0);
}

int32_t sync_both(BsGpuContext* ctx) {
    int32_t st = check_cuda(ctx, cudaStreamSynchronize(ctx->copy), "cudaStreamSynchronize(copy)");
    if (st == BS_GPU_OK) st = check_cuda(ctx, cudaStreamSynchronize(ctx->compute), "cudaStreamSynchronize(compute)");
    return st;
}

int32_t api_device_alloc(BsGpuContext* ctx, uint64_t bytes, void** out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out, "out must not be null");
    *out = nullptr;
    return device_alloc(ctx, bytes, out);
}

int32_t api_device_free(BsGpuContext* ctx, void* ptr) {
    BS_REQUIRE_CTX();
    if (!ptr) return BS_GPU_OK;
    if (const int32_t st = sync_both(ctx); st != BS_GPU_OK) return st;
    try {
        if (!ctx->pool->release(ptr)) return bad(ctx, __func__, "pointer did not come from device_alloc (or was freed)");
    } catch (...) {
        return fail(ctx, BS_GPU_ERR_OUT_OF_MEMORY, "device_free: out of host memory");
    }
    return BS_GPU_OK;
}

int32_t api_host_alloc(BsGpuContext* ctx, uint64_t bytes, void** out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out, "out must not be null");
    *out = nullptr;
    void* p = nullptr;
    // Portable: page-locked for every context, not only the calling thread's current one (a loader
    // worker that never selected the context's device would otherwise pin it for device 0 only).
    const cudaError_t e = cudaHostAlloc(&p, std::max<uint64_t>(bytes, 1), cudaHostAllocPortable);
    std::unique_lock lock(ctx->host_m);  // any thread (the loader's workers): see compute_context.h
    if (e != cudaSuccess) {
        cudaGetLastError();
        const uint64_t held = ctx->pinned_bytes;
        lock.unlock();
        return fail(ctx, BS_GPU_ERR_OUT_OF_MEMORY,
                    "out of page-locked host memory: cudaHostAlloc of " + mib(bytes) + " failed (" +
                        cudaGetErrorName(e) + "); " + mib(held) +
                        " already page-locked: use a smaller batch size or fewer staging buffers");
    }
    try {
        ctx->pinned.emplace(p, bytes);
    } catch (...) {
        lock.unlock();
        cudaFreeHost(p);
        return fail(ctx, BS_GPU_ERR_OUT_OF_MEMORY, "host_alloc: out of host memory");
    }
    ctx->pinned_bytes += bytes;
    *out = p;
    return BS_GPU_OK;
}

int32_t api_host_free(BsGpuContext* ctx, void* ptr) {
    BS_REQUIRE_CTX();
    if (!ptr) return BS_GPU_OK;
    {
        const std::lock_guard lock(ctx->host_m);  // any thread: see compute_context.h
        BS_REQUIRE(ctx->pinned.count(ptr), "pointer did not come from host_alloc (or was freed)");
    }
    if (const int32_t st = sync_both(ctx); st != BS_GPU_OK) return st;
    {
        const std::lock_guard lock(ctx->host_m);
        const auto it = ctx->pinned.find(ptr);
        BS_REQUIRE(it != ctx->pinned.end(), "pointer did not come from host_alloc (or was freed)");
        ctx->pinned_bytes -= it->second;
        ctx->pinned.erase(it);
    }
    return check_cuda(ctx, cudaFreeHost(ptr), "cudaFreeHost");
}

int32_t api_release_cached(BsGpuContext* ctx) {
    BS_REQUIRE_CTX();
    if (const int32_t st = sync_both(ctx); st != BS_GPU_OK) return st;
    ctx->pool->release_cached();
    return BS_GPU_OK;
}

int32_t api_memory_stats(BsGpuContext* ctx, BsGpuMemoryStats* out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out && out->struct_size >= sizeof(uint32_t), "out must not be null and must set struct_size");
    BsGpuMemoryStats s{};
    s.struct_size = sizeof s;
    const PoolStats& p = ctx->pool->stats();
    s.pool_reserved_bytes = p.reserved;
    s.pool_in_use_bytes = p.in_use;
    s.pool_peak_in_use_bytes = p.peak_in_use;
    s.pool_device_mallocs = p.raw_allocs;
    s.pool_reuses = p.reuses;
    {
        const std::lock_guard lock(ctx->host_m);
        s.pinned_bytes = ctx->pinned_bytes;
    }
    size_t free_b = 0, total_b = 0;
    const int32_t st = check_cuda(ctx, cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
    s.device_free_bytes = free_b;
    s.device_total_bytes = total_b;
    const uint32_t n = std::min<uint32_t>(out->struct_size, sizeof s);
    std::memcpy(out, &s, n);
    out->struct_size = n;
    return st;
}

int32_t copy(BsGpuContext* ctx, void* dst, const void* src, uint64_t bytes, int32_t stream, cudaMemcpyKind kind,
             const char* what) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(dst && src, "dst and src must not be null");
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    return check_cuda(ctx, cudaMemcpyAsync(dst, src, bytes, kind, s), what);
}

int32_t api_copy_h2d(BsGpuContext* ctx, void* dst, const void* src, uint64_t bytes, int32_t stream) {
    return copy(ctx, dst, src, bytes, stream, cudaMemcpyHostToDevice, "cudaMemcpyAsync (host to device)");
}

int32_t api_copy_d2h(BsGpuContext* ctx, void* dst, const void* src, uint64_t bytes, int32_t stream) {
    return copy(ctx, dst, src, bytes, stream, cudaMemcpyDeviceToHost, "cudaMemcpyAsync (device to host)");
}

int32_t api_fill(BsGpuContext* ctx, float* dst, uint64_t n, float value, int32_t stream) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(dst || n == 0, "dst must not be null");
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_fill(s, dst, n, value), "fill kernel launch");
}

cudaEvent_t as_event(BsGpuEvent* ev) { return reinterpret_cast<cudaEvent_t>(ev); }

int32_t api_event_create(BsGpuContext* ctx, BsGpuEvent** out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out, "out must not be null");
    cudaEvent_t e = nullptr;
    const int32_t st = check_cuda(ctx, cudaEventCreate(&e), "cudaEventCreate");
    *out = reinterpret_cast<BsGpuEvent*>(e);
    return st;
}

int32_t api_event_destroy(BsGpuContext* ctx, BsGpuEvent* ev) {
    BS_REQUIRE_CTX();
    if (!ev) return BS_GPU_OK;
    return check_cuda(ctx, cudaEventDestroy(as_event(ev)), "cudaEventDestroy");
}

int32_t api_event_record(BsGpuContext* ctx, BsGpuEvent* ev, int32_t stream) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(ev, "event must not be null");
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    // Inside a capture (graph_begin_capture) the record becomes an event-record node of the graph,
    // so the event is recorded at every replay and times parts of it.
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(s, &capture) == cudaSuccess && capture == cudaStreamCaptureStatusActive)
        return check_cuda(ctx, cudaEventRecordWithFlags(as_event(ev), s, cudaEventRecordExternal),
                          "cudaEventRecordWithFlags (external, in a capture)");
    return check_cuda(ctx, cudaEventRecord(as_event(ev), s), "cudaEventRecord");
}

int32_t api_stream_wait_event(BsGpuContext* ctx, int32_t stream, BsGpuEvent* ev) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(ev, "event must not be null");
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    return check_cuda(ctx, cudaStreamWaitEvent(s, as_event(ev), 0), "cudaStreamWaitEvent");
}

int32_t api_event_synchronize(BsGpuContext* ctx, BsGpuEvent* ev) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(ev, "event must not be null");
    return check_cuda(ctx, cudaEventSynchronize(as_event(ev)), "cudaEventSynchronize");
}

int32_t api_event_elapsed_ms(BsGpuContext* ctx, BsGpuEvent* a, BsGpuEvent* b, float* ms) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(a && b && ms, "events and ms must not be null");
    return check_cuda(ctx, cudaEventElapsedTime(ms, as_event(a), as_event(b)), "cudaEventElapsedTime");
}

int32_t api_stream_synchronize(BsGpuContext* ctx, int32_t stream) {
    BS_REQUIRE_CTX();
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    return check_cuda(ctx, cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

#undef BS_REQUIRE
#undef BS_REQUIRE_CTX

using namespace ops;

const BsGpuComputeApi kCompute{
    sizeof(BsGpuComputeApi), BS_GPU_COMPUTE_ABI_VERSION,
    &api_create, &api_destroy, &api_last_error, &api_set_tf32,
    &api_device_alloc, &api_device_free, &api_host_alloc, &api_host_free, &api_release_cached, &api_memory_stats,
    &api_copy_h2d, &api_copy_d2h, &api_fill,
    &api_event_create, &api_event_destroy, &api_event_record, &api_stream_wait_event, &api_event_synchronize,
    &api_event_elapsed_ms, &api_stream_synchronize,
    &api_sgemm, &api_bias_activation, &api_activation_backward, &api_softmax_xent, &api_hinge, &api_argmax_match,
    &api_sgd_momentum, &api_adam, &api_sum, &api_column_sum,
    &api_activation_forward, &api_bias_add, &api_bias_grad, &api_dropout, &api_dropout_grad,
    &api_im2col, &api_col2im, &api_maxpool, &api_maxpool_grad,
    &api_im2col_batch, &api_col2im_batch, &api_transpose_outer,
    &api_graph_begin_capture, &api_graph_end_capture, &api_graph_launch, &api_graph_destroy,
    &api_collate_u8,
    1u,  // host_alloc_any_thread: the context's host_m and error_m (compute_context.h)
};

}  // namespace

const BsGpuComputeApi* compute_api() noexcept { return &kCompute; }

}  // namespace batchscope::cuda
