#pragma once
// Internal: writes the model a training run produced as a checkpoint (TrainConfig::checkpoint_path).
#include "batchscope/engine/data/open_data.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::engine {

// The input shape and scaling are those of the run's test pipeline; the metadata records the
// dataset, epochs, seed and the last test accuracy. Throws CheckpointError.
void save_training_checkpoint(const TrainConfig& cfg, const model::Model& model, const data::OpenedData& data,
                              const RunSnapshot& work);

}  // namespace batchscope::engine
