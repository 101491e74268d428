#include "batchscope/engine/train_config.h"

#include <stdexcept>

#include "batchscope/engine/model/model_spec.h"

namespace batchscope::engine {
namespace {

std::string range_error(const std::string& name, int64_t v, int lo, int hi, const char* hint) {
    if (v >= lo && v <= hi) return {};
    return name + " " + std::to_string(v) + " is out of range: use " + std::to_string(lo) + " to " +
           std::to_string(hi) + hint;
}

}  // namespace

const char* to_string(DatasetKind k) noexcept {
    switch (k) {
        case DatasetKind::FashionMnist: return "fashion-mnist";
        case DatasetKind::ImageFolder: return "image-folder";
    }
    return "?";
}

std::string validate_knob(knobs::Knob k, int64_t value) {
    const knobs::KnobInfo& i = knobs::info(k);
    if (!i.live || i.run != knobs::RunKind::Train) return "unknown knob '" + std::string(i.name) + "'";
    if (k == knobs::Knob::StorageProfile) {
        if (value >= 0 && value < data::kStorageKindCount) return {};
        return "storage profile " + std::to_string(value) + " is unknown: use one of " + data::storage_ids();
    }
    return knobs::range_error(k, value);
}

std::string validate_knob(const std::string& name, int64_t value) {
    const auto k = knobs::from_name(name);
    if (!k) return "unknown knob '" + name + "'";
    return validate_knob(*k, value);
}

std::string validate(const TrainConfig& c) {
    using L = KnobLimits;
    using knobs::Knob;
    for (auto [k, v] : {std::pair<Knob, int64_t>{Knob::BatchSize, c.batch_size},
                        {Knob::PrefetchDepth, c.prefetch_depth},
                        {Knob::Workers, c.workers},
                        {Knob::StorageProfile, static_cast<int64_t>(c.storage)}})
        if (auto e = validate_knob(k, v); !e.empty()) return e;
    if (auto e = range_error("epochs", c.epochs, L::kMinEpochs, L::kMaxEpochs, ""); !e.empty()) return e;
    if (c.backend != "cpu" && c.backend != "cuda") return "backend \"" + c.backend + "\" is not one of cpu, cuda";
    if (c.tf32 && c.backend != "cuda") return "TF32 is a CUDA option: use it with backend cuda";
    if (auto e = range_error("threads", c.threads, L::kMinThreads, L::kMaxThreads, ""); !e.empty()) return e;
    if (!(c.learning_rate > 0.f && c.learning_rate < 100.f))
        return "learning rate " + std::to_string(c.learning_rate) + " is out of range: use a value in (0, 100)";
    if (!(c.momentum >= 0.f && c.momentum < 1.f))
        return "momentum " + std::to_string(c.momentum) + " is out of range: use a value in [0, 1)";
    if (c.train_limit < 0 || c.test_limit < 0) return "sample limits must be 0 (all) or positive";
    if (c.dataset != DatasetKind::FashionMnist && c.dataset != DatasetKind::ImageFolder)
        return "dataset kind " + std::to_string(static_cast<int>(c.dataset)) +
               " is unknown: use fashion-mnist or image-folder";
    if (c.dataset == DatasetKind::ImageFolder && c.data_dir.empty())
        return "an image-folder dataset needs its folder (data_dir, --data DIR)";
    if (c.image_size != 0)
        if (auto e = range_error("image size", c.image_size, L::kMinImageSize, L::kMaxImageSize,
                                 " pixels (0 = the images' own size)");
            !e.empty())
            return e;
    if (auto e = range_error("world size", c.world_size, 1, L::kMaxWorld, ""); !e.empty()) return e;
    if (auto e = range_error("rank", c.rank, 0, c.world_size - 1, " (0 to world size - 1)"); !e.empty()) return e;
    if (c.on_error != data::ErrorPolicy::Stop && c.on_error != data::ErrorPolicy::Skip)
        return "error policy " + std::to_string(static_cast<int>(c.on_error)) + " is unknown: use stop or skip";
    if (c.max_image_pixels < 1) return "the image pixel limit must be positive";
    try {
        model::parse_model_spec(c.model);
        model::parse_optimizer(c.optimizer);
        model::parse_lr_schedule(c.lr_schedule);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    if (!(c.weight_decay >= 0.f && c.weight_decay < 1.f))
        return "weight decay " + std::to_string(c.weight_decay) + " is out of range: use a value in [0, 1)";
    return {};
}

}  // namespace batchscope::engine
