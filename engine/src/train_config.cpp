#include "batchscope/engine/train_config.h"

namespace batchscope::engine {
namespace {

std::string range_error(const std::string& name, int64_t v, int lo, int hi, const char* hint) {
    if (v >= lo && v <= hi) return {};
    return name + " " + std::to_string(v) + " is out of range: use " + std::to_string(lo) + " to " +
           std::to_string(hi) + hint;
}

}  // namespace

std::string validate_knob(const std::string& name, int64_t value) {
    using L = KnobLimits;
    if (name == "batch_size") return range_error("batch size", value, L::kMinBatch, L::kMaxBatch, "");
    if (name == "prefetch_depth")
        return range_error("prefetch depth", value, L::kMinPrefetch, L::kMaxPrefetch, " batches (0 = no prefetch)");
    if (name == "workers")
        return range_error("loader workers", value, L::kMinWorkers, L::kMaxWorkers,
                           " (0 = load in the training thread)");
    return "unknown knob '" + name + "'";
}

std::string validate(const TrainConfig& c) {
    using L = KnobLimits;
    for (auto [name, v] : {std::pair<const char*, int64_t>{"batch_size", c.batch_size},
                           {"prefetch_depth", c.prefetch_depth},
                           {"workers", c.workers}})
        if (auto e = validate_knob(name, v); !e.empty()) return e;
    if (auto e = range_error("epochs", c.epochs, L::kMinEpochs, L::kMaxEpochs, ""); !e.empty()) return e;
    if (auto e = range_error("threads", c.threads, L::kMinThreads, L::kMaxThreads, ""); !e.empty()) return e;
    if (!(c.learning_rate > 0.f && c.learning_rate < 100.f))
        return "learning rate " + std::to_string(c.learning_rate) + " is out of range: use a value in (0, 100)";
    if (!(c.momentum >= 0.f && c.momentum < 1.f))
        return "momentum " + std::to_string(c.momentum) + " is out of range: use a value in [0, 1)";
    if (c.train_limit < 0 || c.test_limit < 0) return "sample limits must be 0 (all) or positive";
    return {};
}

}  // namespace batchscope::engine
