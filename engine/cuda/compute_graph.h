#pragma once
// The compute table's CUDA graph entries (compute_graph.cpp): stream capture into an executable
// graph, its launch and its destruction.
#include "batchscope/engine/gpu_plugin_abi.h"

namespace batchscope::cuda {

int32_t api_graph_begin_capture(BsGpuContext* ctx, int32_t stream);
int32_t api_graph_end_capture(BsGpuContext* ctx, int32_t stream, BsGpuGraph** out);
int32_t api_graph_launch(BsGpuContext* ctx, BsGpuGraph* graph, int32_t stream);
int32_t api_graph_destroy(BsGpuContext* ctx, BsGpuGraph* graph);

}  // namespace batchscope::cuda
