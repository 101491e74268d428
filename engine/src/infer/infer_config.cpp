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

std::string validate_infer_knob(const std::string& name, double v) {
    using L = InferLimits;
    if (!std::isfinite(v)) return name + " must be a number";
    if (name == "rate" && (v < L::kMinRate || v > L::kMaxRate))
        return out_of_range("rate (requests/s)", v, L::kMinRate, L::kMaxRate);
    if (name == "concurrency" && (v < L::kMinConcurrency || v > L::kMaxConcurrency))
        return out_of_range("concurrency", v, L::kMinConcurrency, L::kMaxConcurrency);
    if (name == "max_batch" && (v < L::kMinMaxBatch || v > L::kMaxMaxBatch))
        return out_of_range("max batch", v, L::kMinMaxBatch, L::kMaxMaxBatch);
    if (name == "queue_delay_us" && (v < 0 || v > static_cast<double>(L::kMaxQueueDelayUs)))
        return out_of_range("queue delay (us)", v, 0, static_cast<double>(L::kMaxQueueDelayUs));
    if (name != "rate" && name != "concurrency" && name != "max_batch" && name != "queue_delay_us")
        return "unknown knob " + name;
    return {};
}

std::string validate(const InferConfig& c) {
    using L = InferLimits;
    for (const auto& [name, v] : {std::pair<const char*, double>{"rate", c.rate},
                                  {"concurrency", static_cast<double>(c.concurrency)},
                                  {"max_batch", static_cast<double>(c.max_batch)},
                                  {"queue_delay_us", static_cast<double>(c.queue_delay_us)}})
        if (auto err = validate_infer_knob(name, v); !err.empty()) return err;
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
