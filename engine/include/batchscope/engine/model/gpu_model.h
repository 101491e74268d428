#pragma once
// Training on the CUDA backend (the plugin's compute table through GpuBackend). Every model
// spec trains there (make_gpu_training_model): what the tuned GpuMlp implements (an MLP or
// logistic regression with ReLU hidden layers, softmax cross-entropy, SGD with momentum and no
// weight decay) runs on it; everything else runs as the layer stack (make_network) on
// make_gpu_layer_backend. The backend string says which: "..., layer stack" for the latter.
#include <memory>
#include <string>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/model/model.h"

namespace batchscope::engine::model {

// Empty when `spec` with `opt` fits the tuned GpuMlp path (make_gpu_model), else why not.
// Every spec trains on the GPU through make_gpu_training_model; this only picks the path.
std::string gpu_trainable(const ModelSpec& spec, const OptimizerConfig& opt);

// The spec as a GPU-trained Model, initialised as the CPU MLP (engine::Mlp) of the same seed.
// Parameters live on the device; parameters()/predict() read them back. Buffers are sized for
// `batch` rows and regrow (momentum restarting) when a live change asks for more. Throws
// std::invalid_argument (spec not trainable here) or GpuError (out of memory, device failure).
std::unique_ptr<Model> make_gpu_model(std::unique_ptr<GpuBackend> gpu, const ModelSpec& spec, Shape input, int classes,
                                      const OptimizerConfig& opt, uint64_t seed, int batch);

// The layer stack's Backend on the GPU: device buffers from the pool (counted per MemoryKind),
// cuBLAS GEMM (TF32 as `gpu` was opened), the plugin's kernels, page-locked staged uploads
// (pipelined training steps: two upload slots on the copy stream). Convolutions unfold chunks of
// samples of up to `conv_chunk_floats` floats of columns (and as many of GEMM output) each, one
// GEMM per chunk. Allocation failures throw DeviceOutOfMemory.
inline constexpr size_t kConvChunkFloats = size_t{16} << 20;  // 64 MiB of columns
std::unique_ptr<Backend> make_gpu_layer_backend(std::unique_ptr<GpuBackend> gpu,
                                                size_t conv_chunk_floats = kConvChunkFloats);

// Any spec on the GPU: GpuMlp's model when gpu_trainable() accepts it, else the layer stack on
// the GPU layer backend (initialised as the CPU layer stack of the same seed). Throws
// std::invalid_argument (the spec does not fit the input) or GpuError / DeviceOutOfMemory.
std::unique_ptr<Model> make_gpu_training_model(std::unique_ptr<GpuBackend> gpu, const ModelSpec& spec, Shape input,
                                               int classes, const OptimizerConfig& opt, uint64_t seed, int batch);

}  // namespace batchscope::engine::model
