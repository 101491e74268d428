#pragma once
// Before a training run builds its model: will it fit in this machine's memory? Linux's
// overcommit lets a 34 GB model be "allocated" on a 24 GB machine, and the kernel kills the
// process once the weights are touched; std::bad_alloc never comes. So the run estimates what
// it needs from the model's description (no allocation) and refuses up front, saying whether the
// model itself does not fit or only the batch (with the prefetched batches) does not.
//
// The estimate is a lower bound: parameters, their gradients and the optimizer's state exactly;
// per sample only the layer outputs and their gradients, the compute input and the loader's
// batches. A refusal therefore never turns away a run that would have fitted.
#include <cstdint>
#include <string>

#include "batchscope/engine/model/layers.h"
#include "batchscope/engine/model/model_spec.h"

namespace batchscope::engine {

struct TrainingFootprint {
    int64_t parameters = 0;
    int64_t fixed_bytes = 0;       // weights + gradients + optimizer state (independent of the batch)
    int64_t bytes_per_sample = 0;  // activations and their gradients, input, loader batches
    int64_t bytes_at(int batch) const noexcept { return fixed_bytes + bytes_per_sample * batch; }
};

// For a CPU run of `spec` on inputs of shape `in` with `classes` classes. `loader_batches`: the
// batches the loader holds at once (prefetched + being built + the one trained on).
TrainingFootprint estimate_training_footprint(const model::ModelSpec& spec, model::Shape in, int classes,
                                              model::OptimizerKind optimizer, int loader_batches);

// Where the memory limit comes from: the machine's available memory (MemAvailable) and what an
// address-space limit (ulimit -v, RLIMIT_AS) leaves this process; -1 where unknown or unlimited.
struct HostMemoryLimits {
    int64_t mem_available = -1;
    int64_t address_space_left = -1;
    int64_t effective() const noexcept;  // the smaller known one, -1 if neither is known
};
HostMemoryLimits host_memory_limits() noexcept;

// Empty when `f` fits at `batch` within `limits`, else why not and what to do: "use a smaller
// model" when the batch-independent part alone does not fit, else the largest batch that should.
std::string training_memory_refusal(const TrainingFootprint& f, int batch, const HostMemoryLimits& limits);

}  // namespace batchscope::engine
