// CUDA graphs for the compute table: what the core queues on a stream between begin and end
// capture becomes one executable graph, replayed by one cudaGraphLaunch. Thread-local capture
// mode: another thread's CUDA calls (CUPTI's, a loader's cudaHostAlloc) neither break the capture
// nor are refused because of it.
#include "compute_graph.h"

#include "compute_check.h"
#include "compute_context.h"

#include <string>

namespace batchscope::cuda {
namespace {

cudaGraphExec_t as_exec(BsGpuGraph* g) { return reinterpret_cast<cudaGraphExec_t>(g); }

}  // namespace

int32_t api_graph_begin_capture(BsGpuContext* ctx, int32_t stream) {
    BS_REQUIRE_CTX();
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    return check_cuda(ctx, cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
}

int32_t api_graph_end_capture(BsGpuContext* ctx, int32_t stream, BsGpuGraph** out) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(out, "out must not be null");
    *out = nullptr;
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    // Ends the capture whatever happened inside it: an invalidated capture returns an error and
    // no graph, and the stream is usable again.
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(s, &graph);
    if (end != cudaSuccess || !graph) {
        if (graph) cudaGraphDestroy(graph);
        cudaGetLastError();  // the failed capture's error must not surface at the next launch check
        return check_cuda(ctx, end != cudaSuccess ? end : cudaErrorStreamCaptureInvalidated,
                          "cudaStreamEndCapture (a call inside the capture failed or was not capturable)");
    }
    cudaGraphExec_t exec = nullptr;
    const cudaError_t inst = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);  // the executable graph keeps what it needs
    if (inst != cudaSuccess) {
        cudaGetLastError();
        return check_cuda(ctx, inst, "cudaGraphInstantiate");
    }
    *out = reinterpret_cast<BsGpuGraph*>(exec);
    return BS_GPU_OK;
}

int32_t api_graph_launch(BsGpuContext* ctx, BsGpuGraph* graph, int32_t stream) {
    BS_REQUIRE_CTX();
    BS_REQUIRE(graph, "graph must not be null");
    cudaStream_t s = stream_of(ctx, stream);
    if (!s) return BS_GPU_ERR_INVALID_ARGUMENT;
    return check_cuda(ctx, cudaGraphLaunch(as_exec(graph), s), "cudaGraphLaunch");
}

int32_t api_graph_destroy(BsGpuContext* ctx, BsGpuGraph* graph) {
    BS_REQUIRE_CTX();
    if (!graph) return BS_GPU_OK;
    // cudaGraphExecDestroy does not wait for replays in flight: the streams are synchronised first.
    int32_t st = check_cuda(ctx, cudaStreamSynchronize(ctx->compute), "cudaStreamSynchronize(compute)");
    if (st == BS_GPU_OK) st = check_cuda(ctx, cudaStreamSynchronize(ctx->copy), "cudaStreamSynchronize(copy)");
    const int32_t destroyed = check_cuda(ctx, cudaGraphExecDestroy(as_exec(graph)), "cudaGraphExecDestroy");
    return st != BS_GPU_OK ? st : destroyed;
}

}  // namespace batchscope::cuda
