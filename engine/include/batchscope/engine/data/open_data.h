#pragma once
// Opens the training and test sources a TrainConfig asks for, with the storage profile that
// the training reads go through (evaluation reads the test set from the page cache).
#include <memory>
#include <string>

#include "batchscope/engine/data/augment.h"
#include "batchscope/engine/data/sample_source.h"
#include "batchscope/engine/data/storage.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::engine::data {

struct OpenedData {
    std::shared_ptr<Storage> storage;       // the training reads' profile (live)
    std::unique_ptr<SampleSource> train;
    std::unique_ptr<SampleSource> test;     // null for an image folder without test/ or val/
    std::string description;                // for the snapshot's `dataset`
    ImageShape sample_shape;                // what the loaders deliver (the model's input)
    AugmentOptions train_augment;           // crop / flip / normalise as configured (seed: per epoch)
    AugmentOptions test_augment;            // normalise only
};

// Throws DatasetError with a message that names the file or folder.
OpenedData open_training_data(const TrainConfig& c);

}  // namespace batchscope::engine::data
