#pragma once
// Internal: the checks a training run makes before it builds its model and after its epochs
// (called from the controller, training_loop.cpp).
#include <string>

#include "batchscope/engine/model/layers.h"
#include "batchscope/engine/model/model_spec.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::engine {

// Throws std::runtime_error saying why, and what to do, when a CPU run's model and batch cannot
// fit in the memory this process can still take (training_footprint.h). GPU runs: nothing here.
void refuse_if_out_of_memory(const TrainConfig& cfg, const model::ModelSpec& spec, model::Shape in, int classes,
                             model::OptimizerKind optimizer);

// Throws std::runtime_error when a run that was not stopped trained no iteration (a batch larger
// than the data with --drop-last, every sample skipped): such a run is a failure, not "finished".
void refuse_if_nothing_trained(const TrainConfig& cfg, const RunSnapshot& work, bool stopped);

}  // namespace batchscope::engine
