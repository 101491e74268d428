#pragma once
// Internal: the data side of the controller loop (evaluation through a loader, loader
// statistics across restarts, per-epoch augmentation seeds, epoch record fields).
#include <cstdint>

#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/data/open_data.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/engine/run_snapshot.h"

namespace batchscope::engine {

// Adds `s` (a finished or replaced loader's counters) into `acc`, worker by worker.
void accumulate(LoaderStats& acc, const LoaderStats& s);

// The augmentation of epoch `epoch`: the configured options with a seed of (seed, epoch).
data::AugmentOptions epoch_augment(const data::AugmentOptions& base, uint64_t seed, int epoch);

// Test accuracy of `model` on `test` (read in order, normalised like training, no augmentation),
// or -1 when there is no test set.
double evaluate(model::Model& model, const data::OpenedData& d, int workers);

// Fills the loader fields of an epoch record from the epoch's summed loader statistics.
void fill_loader_fields(EpochRecord& er, const LoaderStats& s, int64_t queue_depth_sum, int64_t iterations,
                        const data::Storage& storage);

}  // namespace batchscope::engine
