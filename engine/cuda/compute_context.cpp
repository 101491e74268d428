#include "compute_context.h"

#include "cuda_probe.h"

#include <cstdio>
#include <utility>

namespace batchscope::cuda {

std::string mib(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

int32_t fail(BsGpuContext* ctx, int32_t status, std::string message) noexcept {
    if (ctx) {
        try {
            const std::lock_guard lock(ctx->error_m);
            ctx->last_error = std::move(message);
        } catch (...) {
        }
    }
    return status;
}

int32_t check_cuda(BsGpuContext* ctx, cudaError_t err, const char* what) noexcept {
    if (err == cudaSuccess) return BS_GPU_OK;
    try {
        const int32_t status = err == cudaErrorMemoryAllocation ? BS_GPU_ERR_OUT_OF_MEMORY : BS_GPU_ERR_CUDA;
        return fail(ctx, status,
                    std::string(what) + " failed: " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
    } catch (...) {
        return BS_GPU_ERR_CUDA;
    }
}

int32_t check_cublas(BsGpuContext* ctx, cublasStatus_t st, const char* what) noexcept {
    if (st == CUBLAS_STATUS_SUCCESS) return BS_GPU_OK;
    try {
        const int32_t status = st == CUBLAS_STATUS_ALLOC_FAILED ? BS_GPU_ERR_OUT_OF_MEMORY : BS_GPU_ERR_CUBLAS;
        return fail(ctx, status,
                    std::string(what) + " failed: " + cublasGetStatusName(st) + " (" + cublasGetStatusString(st) +
                        ")");
    } catch (...) {
        return BS_GPU_ERR_CUBLAS;
    }
}

cudaStream_t stream_of(BsGpuContext* ctx, int32_t stream) noexcept {
    switch (stream) {
    case BS_GPU_STREAM_COMPUTE: return ctx->compute;
    case BS_GPU_STREAM_COPY: return ctx->copy;
    default:
        fail(ctx, BS_GPU_ERR_INVALID_ARGUMENT, "unknown stream " + std::to_string(stream) +
                                                   " (0 = compute, 1 = copy)");
        return nullptr;
    }
}

int32_t set_math_mode(BsGpuContext* ctx, bool tf32) noexcept {
    const int32_t st = check_cublas(
        ctx, cublasSetMathMode(ctx->blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
        "cublasSetMathMode");
    if (st == BS_GPU_OK) ctx->tf32 = tf32;
    return st;
}

int32_t device_alloc(BsGpuContext* ctx, uint64_t bytes, void** out) noexcept {
    try {
        *out = ctx->pool->allocate(static_cast<size_t>(bytes));
        if (*out) return BS_GPU_OK;
        cudaGetLastError();  // clear the allocation error CUDA keeps for the next call
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        const auto& s = ctx->pool->stats();
        std::string msg = "out of GPU memory: asked for " + mib(bytes) + ", the pool holds " + mib(s.reserved) +
                          " (" + mib(s.in_use) + " in use), the device has " + mib(free_b) + " free of " +
                          mib(total_b);
        if (ctx->pool->limit()) msg += ", pool limit " + mib(ctx->pool->limit());
        return fail(ctx, BS_GPU_ERR_OUT_OF_MEMORY, msg + ": use a smaller batch size");
    } catch (...) {
        return fail(ctx, BS_GPU_ERR_OUT_OF_MEMORY, "out of host memory for the pool's bookkeeping");
    }
}

namespace {

// Makes the context step by step; any failure leaves `why` set and the partial context freed.
int32_t build(BsGpuContext& c, const BsGpuComputeOptions& o, std::string& why) {
    BsGpuProbeInfo info{};
    info.struct_size = sizeof info;
    if (probe(&info) != BS_GPU_PROBE_OK) {
        why = std::string("no usable GPU: ") + info.error_name + " (" + info.error_text + ")";
        if (info.status == BS_GPU_PROBE_ZERO_DEVICES) why = "no usable GPU: the driver reports 0 devices";
        return BS_GPU_ERR_NO_DEVICE;
    }
    if (o.device < 0 || o.device >= info.device_count) {
        why = "device " + std::to_string(o.device) + " does not exist (" + std::to_string(info.device_count) +
              " device(s))";
        return BS_GPU_ERR_INVALID_ARGUMENT;
    }
    c.device = o.device;
    auto cuda = [&](cudaError_t e, const char* what) {
        const int32_t st = check_cuda(&c, e, what);
        if (st != BS_GPU_OK) why = c.last_error;
        return st;
    };
    int32_t st = cuda(cudaSetDevice(c.device), "cudaSetDevice");
    if (st == BS_GPU_OK) st = cuda(cudaStreamCreateWithFlags(&c.compute, cudaStreamNonBlocking), "cudaStreamCreate");
    if (st == BS_GPU_OK) st = cuda(cudaStreamCreateWithFlags(&c.copy, cudaStreamNonBlocking), "cudaStreamCreate");
    if (st != BS_GPU_OK) return st;
    if ((st = check_cublas(&c, cublasCreate(&c.blas), "cublasCreate")) == BS_GPU_OK)
        st = check_cublas(&c, cublasSetStream(c.blas, c.compute), "cublasSetStream");
    if (st == BS_GPU_OK) st = set_math_mode(&c, (o.flags & BS_GPU_COMPUTE_TF32) != 0);
    if (st != BS_GPU_OK) {
        why = c.last_error;
        return st;
    }
    c.pool = std::make_unique<DevicePool>(
        [](size_t bytes) -> void* {
            void* p = nullptr;
            if (cudaMalloc(&p, bytes) == cudaSuccess) return p;
            cudaGetLastError();  // the pool may retry and succeed: leave no error for the next launch check
            return nullptr;
        },
        [](void* p) { cudaFree(p); }, o.pool_limit_bytes);
    return BS_GPU_OK;
}

}  // namespace

int32_t create_context(const BsGpuComputeOptions& options, BsGpuContext*& out, std::string& why) noexcept {
    out = nullptr;
    try {
        auto c = std::make_unique<BsGpuContext>();
        const int32_t st = build(*c, options, why);
        if (st != BS_GPU_OK) {
            destroy_context(c.release());
            return st;
        }
        out = c.release();
        return BS_GPU_OK;
    } catch (...) {
        why = "out of host memory while creating the GPU context";
        return BS_GPU_ERR_OUT_OF_MEMORY;
    }
}

void destroy_context(BsGpuContext* ctx) noexcept {
    if (!ctx) return;
    if (ctx->compute) cudaStreamSynchronize(ctx->compute);
    if (ctx->copy) cudaStreamSynchronize(ctx->copy);
    ctx->pool.reset();  // frees cached and forgotten device blocks
    for (auto& [p, bytes] : ctx->pinned) cudaFreeHost(p);
    if (ctx->blas) cublasDestroy(ctx->blas);
    if (ctx->copy) cudaStreamDestroy(ctx->copy);
    if (ctx->compute) cudaStreamDestroy(ctx->compute);
    delete ctx;
}

}  // namespace batchscope::cuda
