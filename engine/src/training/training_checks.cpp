#include "training_checks.h"

#include <algorithm>
#include <stdexcept>

#include "batchscope/engine/training_footprint.h"

namespace batchscope::engine {

void refuse_if_out_of_memory(const TrainConfig& cfg, const model::ModelSpec& spec, model::Shape in, int classes,
                             model::OptimizerKind optimizer) {
    if (cfg.backend == "cuda") return;  // the model lives on the device (its own checks)
    const int loader_batches = cfg.prefetch_depth + std::max(1, cfg.workers) + 1;
    const TrainingFootprint f = estimate_training_footprint(spec, in, classes, optimizer, loader_batches);
    if (std::string why = training_memory_refusal(f, cfg.batch_size, host_memory_limits()); !why.empty())
        throw std::runtime_error("refused before training: " + why);
}

void refuse_if_nothing_trained(const TrainConfig& cfg, const RunSnapshot& work, bool stopped) {
    if (stopped || work.iterations_done > 0) return;
    const std::string n = std::to_string(work.train_samples);
    if (work.train_samples == 0) throw std::runtime_error("no iteration ran: there are no training samples");
    if (cfg.drop_last && work.train_samples < cfg.batch_size)
        throw std::runtime_error("no iteration ran: the " + n + " training samples make no full batch of " +
                                 std::to_string(cfg.batch_size) +
                                 " and --drop-last drops the partial one: use a batch size of at most " + n +
                                 ", or keep the partial batch");
    if (work.samples_skipped > 0)
        throw std::runtime_error("no iteration ran: every sample read was skipped as unreadable (" +
                                 std::to_string(work.samples_skipped) + ")");
    throw std::runtime_error("no iteration ran on the " + n + " training samples");
}

}  // namespace batchscope::engine
