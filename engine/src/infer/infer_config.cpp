#include "batchscope/engine/infer/infer_config.h"

#include <cmath>
#include <sstream>

namespace batchscope::engine::infer {
namespace {

std::string out_of_range(const char* what, double v, double lo, double hi) {
    std::ostringstream s;
    s << what << " " << v << " is out of range (" << lo << " to " << hi << ")";
    return s.str();
}

}  // namespace

std::string validate_infer_knob(knobs::Knob k, double v) {
    using L = InferLimits;
    using knobs::Knob;
    const knobs::KnobInfo& i = knobs::info(k);
    if (!i.live || i.run != knobs::RunKind::Infer) return "unknown knob " + std::string(i.name);
    if (!std::isfinite(v)) return std::string(i.name) + " must be a number";
    if (k == Knob::Rate && (v < L::kMinRate || v > L::kMaxRate))
        return out_of_range("rate (requests/s)", v, L::kMinRate, L::kMaxRate);
    if (k == Knob::Concurrency && (v < L::kMinConcurrency || v > L::kMaxConcurrency))
        return out_of_range("concurrency", v, L::kMinConcurrency, L::kMaxConcurrency);
    if (k == Knob::MaxBatch && (v < L::kMinMaxBatch || v > L::kMaxMaxBatch))
        return out_of_range("max batch", v, L::kMinMaxBatch, L::kMaxMaxBatch);
    if (k == Knob::QueueDelayUs && (v < 0 || v > static_cast<double>(L::kMaxQueueDelayUs)))
        return out_of_range("queue delay (us)", v, 0, static_cast<double>(L::kMaxQueueDelayUs));
    return {};
}

std::string validate_infer_knob(const std::string& name, double v) {
    const auto k = knobs::from_name(name);
    if (!k) return "unknown knob " + name;
    return validate_infer_knob(*k, v);
}

std::string validate(const InferConfig& c) {
    using L = InferLimits;
    using knobs::Knob;
    for (const auto& [k, v] : {std::pair<Knob, double>{Knob::Rate, c.rate},
                               {Knob::Concurrency, static_cast<double>(c.concurrency)},
                               {Knob::MaxBatch, static_cast<double>(c.max_batch)},
                               {Knob::QueueDelayUs, static_cast<double>(c.queue_delay_us)}})
        if (auto err = validate_infer_knob(k, v); !err.empty()) return err;
    if (c.burst < L::kMinBurst || c.burst > L::kMaxBurst)
        return out_of_range("burst", c.burst, L::kMinBurst, L::kMaxBurst);
    if (c.requests < 0 || c.requests > L::kMaxRequests)
        return out_of_range("requests", static_cast<double>(c.requests), 0, static_cast<double>(L::kMaxRequests));
    if (c.requests == 0 && c.mode == LoadMode::Offline) return "offline mode needs a number of requests (not 0)";
    if (c.threads < L::kMinThreads || c.threads > L::kMaxThreads)
        return out_of_range("threads", c.threads, L::kMinThreads, L::kMaxThreads);
    if (c.test_limit < 0) return "test limit must not be negative";
    if (c.backend != "cpu" && c.backend != "cuda") return "backend " + c.backend + " is not one of cpu, cuda";
    if (c.spin_us < 0 || c.spin_us > 10'000) return out_of_range("spin (us)", static_cast<double>(c.spin_us), 0, 10'000);
    return {};
}

}  // namespace batchscope::engine::infer
