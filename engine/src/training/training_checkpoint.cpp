#include "training_checkpoint.h"

#include <nlohmann/json.hpp>

#include "batchscope/engine/checkpoint.h"

namespace batchscope::engine {

void save_training_checkpoint(const TrainConfig& cfg, const model::Model& model, const data::OpenedData& data,
                              const RunSnapshot& work) {
    CheckpointInfo info;
    info.height = data.sample_shape.height;
    info.width = data.sample_shape.width;
    info.channels = data.sample_shape.channels;
    info.mean.assign(static_cast<size_t>(info.channels), 0.f);
    info.stddev.assign(static_cast<size_t>(info.channels), 1.f);
    const data::AugmentOptions& a = data.test_augment;
    if (a.normalize)
        for (size_t c = 0; c < info.mean.size(); ++c) {
            const size_t k = info.channels == 1 ? 0 : c;
            info.mean[c] = a.mean[k];
            info.stddev[c] = a.stddev[k];
        }
    nlohmann::json meta = {{"trained_by", "batchscope 0.1.0"},
                           {"dataset", work.dataset},
                           {"epochs", work.epochs_done.size()},
                           {"samples_seen", work.samples_done},
                           {"batch_size", cfg.batch_size},
                           {"seed", cfg.seed},
                           {"learning_rate", cfg.learning_rate},
                           {"momentum", cfg.momentum},
                           {"model", work.model},
                           {"optimizer", work.optimizer},
                           {"lr_schedule", cfg.lr_schedule},
                           {"weight_decay", cfg.weight_decay}};
    if (!work.epochs_done.empty() && work.epochs_done.back().test_accuracy >= 0)
        meta["test_accuracy"] = work.epochs_done.back().test_accuracy;
    info.metadata_json = meta.dump();
    save_checkpoint(cfg.checkpoint_path, model, info);
}

}  // namespace batchscope::engine
