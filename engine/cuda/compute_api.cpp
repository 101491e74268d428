// The compute table: argument checks, then one CUDA/cuBLAS call or kernel launch each. Nothing
// here throws across the C boundary; every failure is a status plus ctx->last_error.
#include "compute_api.h"

#include "compute_context.h"
#include "compute_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace batchscope::cuda {
namespace {

int32_t bad(BsGpuContext* ctx, const char* fn, const char* what) {
    return fail(ctx, BS_GPU_ERR_INVALID_ARGUMENT, std::string(fn) + ": " + what);
}

// Shared checks: a context, non-null pointers, non-negative sizes.
#define BS_REQUIRE(cond, msg) \
    if (!(cond)) return bad(ctx, __func__, msg)
#define BS_REQUIRE_CTX() \
    if (!ctx) return BS_GPU_ERR_INVALID_ARGUMENT

bool known_act(int32_t act) { return act == BS_GPU_ACT_IDENTITY || act == BS_GPU_ACT_RELU || act == BS_GPU_ACT_GELU; }

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
    const cudaError_t e = cudaHostAlloc(&p, std::max<uint64_t>(bytes, 1), cudaHostAllocDefault);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return fail(ctx, BS_GPU_ERR_OUT_OF_MEMORY,
                    "out of page-locked host memory: cudaHostAlloc of " + mib(bytes) + " failed (" +
                        cudaGetErrorName(e) + "); " + mib(ctx->pinned_bytes) +
                        " already page-locked: use a smaller batch size or fewer staging buffers");
    }
    try {
        ctx->pinned.emplace(p, bytes);
    } catch (...) {
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
    const auto it = ctx->pinned.find(ptr);
    BS_REQUIRE(it != ctx->pinned.end(), "pointer did not come from host_alloc (or was freed)");
    if (const int32_t st = sync_both(ctx); st != BS_GPU_OK) return st;
    ctx->pinned_bytes -= it->second;
    ctx->pinned.erase(it);
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
    s.pinned_bytes = ctx->pinned_bytes;
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

int32_t api_sgemm(BsGpuContext* ctx, int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k, float alpha,
                  const float* a, int32_t lda, const float* b, int32_t ldb, float beta, float* c, int32_t ldc) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(m >= 0 && n >= 0 && k >= 0, "m, n, k must not be negative");
    BS_REQUIRE(a && b && c, "a, b and c must not be null");
    BS_REQUIRE(ldc >= std::max(1, n) && lda >= std::max(1, ta ? m : k) && ldb >= std::max(1, tb ? k : n),
               "a leading dimension is smaller than its row");
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands, keep the flags.
    const cublasOperation_t opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    return check_cublas(ctx, cublasSgemm(ctx->blas, opb, opa, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc),
                        "cublasSgemm");
}

int32_t api_bias_activation(BsGpuContext* ctx, int32_t act, float* z, const float* bias, float* a, int32_t rows,
                            int32_t cols) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(known_act(act), "unknown activation (0 identity, 1 ReLU, 2 GELU)");
    BS_REQUIRE(rows >= 0 && cols > 0, "rows must not be negative and cols must be positive");
    BS_REQUIRE(z && bias, "z and bias must not be null");
    BS_REQUIRE(a != z || act == BS_GPU_ACT_IDENTITY, "a may equal z only for the identity");
    if (rows == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_bias_activation(ctx->compute, act, z, bias, a, rows, cols),
                      "bias_activation kernel launch");
}

int32_t api_activation_backward(BsGpuContext* ctx, int32_t act, const float* x, const float* dy, float* dx,
                                uint64_t n) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(known_act(act), "unknown activation (0 identity, 1 ReLU, 2 GELU)");
    BS_REQUIRE((x && dy && dx) || n == 0, "x, dy and dx must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_activation_backward(ctx->compute, act, x, dy, dx, n),
                      "activation_backward kernel launch");
}

int32_t check_rows(BsGpuContext* ctx, const char* fn, const void* in, const int32_t* labels, int32_t rows,
                   int32_t cols, const void* o1, const void* o2) {
    if (rows < 0 || cols < 2) return bad(ctx, fn, "rows must not be negative and there must be at least 2 classes");
    if (rows > 0 && !(in && labels && o1 && o2)) return bad(ctx, fn, "inputs, labels and outputs must not be null");
    return BS_GPU_OK;
}

int32_t api_softmax_xent(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows, int32_t cols,
                         float grad_scale, float* row_loss, float* grad) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_rows(ctx, __func__, logits, labels, rows, cols, row_loss, grad); st || rows == 0) return st;
    return check_cuda(ctx, launch_softmax_xent(ctx->compute, logits, labels, rows, cols, grad_scale, row_loss, grad),
                      "softmax_xent kernel launch");
}

int32_t api_hinge(BsGpuContext* ctx, const float* scores, const int32_t* labels, int32_t rows, int32_t cols,
                  float grad_scale, float margin, float* row_loss, float* grad) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_rows(ctx, __func__, scores, labels, rows, cols, row_loss, grad); st || rows == 0) return st;
    return check_cuda(ctx,
                      launch_hinge(ctx->compute, scores, labels, rows, cols, grad_scale, margin, row_loss, grad),
                      "hinge kernel launch");
}

int32_t api_argmax_match(BsGpuContext* ctx, const float* logits, const int32_t* labels, int32_t rows, int32_t cols,
                         float* row_correct) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_rows(ctx, __func__, logits, labels, rows, cols, row_correct, row_correct); st || rows == 0)
        return st;
    return check_cuda(ctx, launch_argmax_match(ctx->compute, logits, labels, rows, cols, row_correct),
                      "argmax_match kernel launch");
}

int32_t api_sgd_momentum(BsGpuContext* ctx, float* w, float* v, const float* g, uint64_t n, float lr,
                         float momentum, float weight_decay) {
    BS_REQUIRE_CTX();
    BS_REQUIRE((w && v && g) || n == 0, "w, v and g must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_sgd_momentum(ctx->compute, w, v, g, n, lr, momentum, weight_decay),
                      "sgd_momentum kernel launch");
}

int32_t api_adam(BsGpuContext* ctx, float* w, float* m, float* v, const float* g, uint64_t n, float lr, float b1,
                 float b2, float eps, float wd, int32_t t) {
    BS_REQUIRE_CTX();
    BS_REQUIRE((w && m && v && g) || n == 0, "w, m, v and g must not be null");
    BS_REQUIRE(t >= 1, "the step t starts at 1");
    BS_REQUIRE(b1 >= 0.f && b1 < 1.f && b2 >= 0.f && b2 < 1.f, "beta1 and beta2 must lie in [0, 1)");
    if (n == 0) return BS_GPU_OK;
    const float c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(b1), t));
    const float c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(b2), t));
    return check_cuda(ctx, launch_adam(ctx->compute, w, m, v, g, n, lr, b1, b2, eps, wd, c1, c2), "adam kernel launch");
}

int32_t api_sum(BsGpuContext* ctx, const float* x, uint64_t n, float* out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out && (x || n == 0), "x and out must not be null");
    return check_cuda(ctx, launch_sum(ctx->compute, x, n, out), "sum kernel launch");
}

int32_t api_column_sum(BsGpuContext* ctx, const float* x, int32_t rows, int32_t cols, float beta, float* out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(rows >= 0 && cols >= 0, "rows and cols must not be negative");
    BS_REQUIRE((x && out) || cols == 0, "x and out must not be null");
    if (cols == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_column_sum(ctx->compute, x, rows, cols, beta, out), "column_sum kernel launch");
}

int32_t api_activation_forward(BsGpuContext* ctx, int32_t act, const float* x, float* y, uint64_t n) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(known_act(act), "unknown activation (0 identity, 1 ReLU, 2 GELU)");
    BS_REQUIRE((x && y) || n == 0, "x and y must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_activation_forward(ctx->compute, act, x, y, n), "activation kernel launch");
}

int32_t api_bias_add(BsGpuContext* ctx, float* y, const float* bias, int32_t outer, int32_t channels, int32_t inner) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(outer >= 0 && channels >= 0 && inner > 0, "outer and channels must not be negative, inner positive");
    BS_REQUIRE((y && bias) || outer == 0 || channels == 0, "y and bias must not be null");
    if (outer == 0 || channels == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_bias_add(ctx->compute, y, bias, outer, channels, inner), "bias_add kernel launch");
}

int32_t api_bias_grad(BsGpuContext* ctx, const float* dy, int32_t outer, int32_t channels, int32_t inner, float* gb) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(outer >= 0 && channels >= 0 && inner > 0, "outer and channels must not be negative, inner positive");
    BS_REQUIRE((dy || outer == 0) && (gb || channels == 0), "dy and gb must not be null");
    if (channels == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_bias_grad(ctx->compute, dy, outer, channels, inner, gb), "bias_grad kernel launch");
}

int32_t dropout_common(BsGpuContext* ctx, const float* x, const float* keep, float scale, float* y, uint64_t n,
                       bool backward) {
    BS_REQUIRE_CTX();
    BS_REQUIRE((x && keep && y) || n == 0, "inputs, mask and output must not be null");
    if (n == 0) return BS_GPU_OK;
    return check_cuda(ctx, launch_dropout(ctx->compute, x, keep, scale, y, n, backward), "dropout kernel launch");
}
int32_t api_dropout(BsGpuContext* ctx, const float* x, const float* keep, float scale, float* y, uint64_t n) {
    return dropout_common(ctx, x, keep, scale, y, n, false);
}
int32_t api_dropout_grad(BsGpuContext* ctx, const float* dy, const float* keep, float scale, float* dx, uint64_t n) {
    return dropout_common(ctx, dy, keep, scale, dx, n, true);
}

int32_t check_conv(BsGpuContext* ctx, const char* fn, const void* in, const void* out, int32_t c, int32_t h, int32_t w,
                   int32_t k, int32_t stride, int32_t pad) {
    if (c <= 0 || h <= 0 || w <= 0 || k <= 0 || stride <= 0 || pad < 0 || h + 2 * pad < k || w + 2 * pad < k)
        return bad(ctx, fn, "need positive c, h, w, k, stride, a non-negative pad and a window that fits");
    if (!in || !out) return bad(ctx, fn, "input and output must not be null");
    return BS_GPU_OK;
}

int32_t api_im2col(BsGpuContext* ctx, const float* x, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                   int32_t pad, float* col) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, x, col, c, h, w, k, stride, pad); st) return st;
    return check_cuda(ctx, launch_im2col(ctx->compute, x, c, h, w, k, stride, pad, col), "im2col kernel launch");
}

int32_t api_col2im(BsGpuContext* ctx, const float* col, int32_t c, int32_t h, int32_t w, int32_t k, int32_t stride,
                   int32_t pad, float* x) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, col, x, c, h, w, k, stride, pad); st) return st;
    return check_cuda(ctx, launch_col2im(ctx->compute, col, c, h, w, k, stride, pad, x), "col2im kernel launch");
}

int32_t api_maxpool(BsGpuContext* ctx, const float* x, int32_t planes, int32_t h, int32_t w, int32_t k, int32_t s,
                    float* y, int32_t* arg) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, x, y, planes, h, w, k, s, 0); st) return st;
    BS_REQUIRE(arg, "arg must not be null");
    return check_cuda(ctx, launch_maxpool(ctx->compute, x, planes, h, w, k, s, y, arg), "maxpool kernel launch");
}

int32_t api_maxpool_grad(BsGpuContext* ctx, const float* dy, const int32_t* arg, int32_t planes, int32_t h, int32_t w,
                         int32_t k, int32_t s, float* dx) {
    BS_REQUIRE_CTX();
    if (int32_t st = check_conv(ctx, __func__, dy, dx, planes, h, w, k, s, 0); st) return st;
    BS_REQUIRE(arg, "arg must not be null");
    return check_cuda(ctx, launch_maxpool_grad(ctx->compute, dy, arg, planes, h, w, k, s, dx),
                      "maxpool_grad launch");
}

#undef BS_REQUIRE
#undef BS_REQUIRE_CTX

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
};

}  // namespace

const BsGpuComputeApi* compute_api() noexcept { return &kCompute; }

}  // namespace batchscope::cuda
