#pragma once
// The data-pipeline side of `batchscope-cli train`: its options and what it prints.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::cli {

// --dataset, --storage, --cache-dir, --image-size, --crop, --flip, --normalize, --on-error,
// --drop-last, --no-shuffle, --rank, --world-size, --max-image-pixels.
void add_data_options(CLI::App& cmd, engine::TrainConfig& cfg);

void print_data_header(const engine::RunSnapshot& s);  // one line: storage, error policy
void print_data_epoch(const engine::EpochRecord& e);   // one line: the loader's parts
nlohmann::json data_epoch_json(const engine::EpochRecord& e);

}  // namespace batchscope::cli
