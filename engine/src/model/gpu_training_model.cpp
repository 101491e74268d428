// Which GPU path a spec trains on: the tuned GpuMlp for the plain ReLU MLP with SGD, the layer
// stack on the GPU layer backend for everything else.
#include "batchscope/engine/model/gpu_model.h"

namespace batchscope::engine::model {

std::unique_ptr<Model> make_gpu_training_model(std::unique_ptr<GpuBackend> gpu, const ModelSpec& spec, Shape input,
                                               int classes, const OptimizerConfig& opt, uint64_t seed, int batch) {
    if (gpu_trainable(spec, opt).empty()) return make_gpu_model(std::move(gpu), spec, input, classes, opt, seed, batch);
    return make_network(spec, input, classes, opt, seed, make_gpu_layer_backend(std::move(gpu)));
}

}  // namespace batchscope::engine::model
