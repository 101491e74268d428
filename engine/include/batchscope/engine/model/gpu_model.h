#pragma once
// Training on the CUDA backend (the plugin's compute table through GpuBackend). So far the GPU
// trains what GpuMlp implements: an MLP (or logistic regression) with ReLU hidden layers,
// softmax cross-entropy and SGD with momentum; any other spec is refused with the reason.
#include <memory>
#include <string>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/model/model.h"

namespace batchscope::engine::model {

// Empty when `spec` with `opt` can train on the GPU backend, else why not (one sentence that
// names what to change).
std::string gpu_trainable(const ModelSpec& spec, const OptimizerConfig& opt);

// The spec as a GPU-trained Model, initialised as the CPU MLP (engine::Mlp) of the same seed.
// Parameters live on the device; parameters()/predict() read them back. Buffers are sized for
// `batch` rows and regrow (momentum restarting) when a live change asks for more. Throws
// std::invalid_argument (spec not trainable here) or GpuError (out of memory, device failure).
std::unique_ptr<Model> make_gpu_model(std::unique_ptr<GpuBackend> gpu, const ModelSpec& spec, Shape input, int classes,
                                      const OptimizerConfig& opt, uint64_t seed, int batch);

}  // namespace batchscope::engine::model
