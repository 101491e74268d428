#pragma once
// Serving a checkpoint on the CUDA backend (the plugin's compute table through GpuBackend and
// GpuMlp): the weights are uploaded once; each batch's inputs are scaled into page-locked
// memory, copied to the device on the copy stream, run forward on the compute stream and their
// logits copied back, with h2d, compute and d2h timed by CUDA events. Answers are checked on the
// host as on the CPU. Never a silent CPU fallback: what cannot run on the GPU is refused.
#include <memory>
#include <string>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::engine::infer {

// Empty when `spec` can be served on the CUDA backend, else why not (names what can be).
// So far: stacks of Linear layers with ReLU between them: MLPs with ReLU (dropout is off when
// serving), logistic regression and linear SVMs.
std::string gpu_servable(const model::ModelSpec& spec);

// "GPU unavailable: <reason> (serve on the CPU with --backend cpu)": the probe's reason without
// its "running on the CPU" ending, since serving never falls back to the CPU.
std::string gpu_unavailable(const std::string& probe_reason);

// `model` (its parameters are copied) on `gpu`, on the samples of `test` (moved in). Throws
// GpuError: unsupported (gpu_servable says why), out_of_memory, cuda; std::invalid_argument when
// the model's input or classes do not fit `test`. `cuda_graphs`: each batch size's copy in, forward
// pass and copy back captured once as a CUDA graph and replayed (GpuMlp::predict_pinned), after a
// check that a replay gives the uncaptured logits; when the plugin has no graphs or a capture
// fails, batches are served without and backend() says why.
std::unique_ptr<BatchService> make_gpu_model_service(std::unique_ptr<GpuBackend> gpu, const model::Model& model,
                                                     const CheckpointInfo& info, ImageDataset test,
                                                     std::string model_name = {}, bool cuda_graphs = true);

// The checkpoint's model on the GPU that GpuBackend::open finds (plugin: $BATCHSCOPE_GPU_PLUGIN,
// beside the executable, or the install's lib folder). Throws GpuError with code no_device and the
// probe's reason when no GPU can be used, and what the function above throws; CheckpointError,
// DatasetError as make_mlp_service.
std::unique_ptr<BatchService> make_gpu_model_service(const std::string& checkpoint, const std::string& data_dir,
                                                     int64_t test_limit = 0, const GpuBackendOptions& options = {},
                                                     bool cuda_graphs = true);

}  // namespace batchscope::engine::infer
