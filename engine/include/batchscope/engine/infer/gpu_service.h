#pragma once
// Serving a checkpoint on the CUDA backend (the plugin's compute table through GpuBackend). Every
// model is served there, by one of two paths, which the backend string names: the tuned path
// ("..., tuned MLP": GpuMlp, its h2d on the copy stream) for what it serves, stacks of Linear
// layers with ReLU (MLPs with ReLU, dropout off; logistic regression; linear SVMs), and the layer
// stack ("..., layer stack": the model rebuilt on the GPU layer backend it trains on) for every
// other model (GELU or dropout GELU MLPs, CNNs). Either way the weights are uploaded once; each
// batch's inputs are scaled into page-locked memory, copied to the device, run forward (dropout
// off) and their logits copied back, with h2d, compute and d2h timed by CUDA events (and traced by
// CUPTI in an inference run that has it); answers are checked on the host as on the CPU. Never a
// silent CPU fallback: no usable GPU is an error.
#include <memory>
#include <string>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::engine::infer {

// Whether `spec` is served by the tuned path (GpuMlp: stacks of Linear layers with ReLU, logistic
// regression, linear SVMs); every other model is served as the layer stack.
bool gpu_tuned_path(const model::ModelSpec& spec);

// "GPU unavailable: <reason> (serve on the CPU with --backend cpu)": the probe's reason without
// its "running on the CPU" ending, since serving never falls back to the CPU.
std::string gpu_unavailable(const std::string& probe_reason);

// `model` (its parameters are copied) on `gpu`, on the samples of `test` (moved in). Throws
// GpuError: out_of_memory (the model does not fit), cuda; std::invalid_argument when the model's
// input or classes do not fit `test`. Serving a batch larger than any before can throw GpuError
// out_of_memory naming the largest batch that should fit (layer stack). `cuda_graphs` (tuned
// path): each batch size's copy in, forward pass and copy back captured once as a CUDA graph and
// replayed (GpuMlp::predict_pinned), after a check that a replay gives the uncaptured logits; when
// the plugin has no graphs or a capture fails, batches are served without and backend() says why.
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
