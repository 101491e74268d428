#include "batchscope/engine/memory_fit.h"

#include <algorithm>

#include "batchscope/engine/train_config.h"
#include "batchscope/engine/training_footprint.h"

namespace batchscope::engine {

int evaluation_batch_size(int64_t sample_floats) noexcept {
    constexpr int64_t kMaxSamples = 1000;
    constexpr int64_t kBatchBytes = int64_t{64} << 20;  // per float32 batch
    const int64_t per_sample = std::max<int64_t>(1, sample_floats) * static_cast<int64_t>(sizeof(float));
    return static_cast<int>(std::clamp<int64_t>(kBatchBytes / per_sample, 1, kMaxSamples));
}

int largest_batch_that_fits(int64_t fixed_bytes, int64_t bytes_per_sample, int64_t available_bytes) noexcept {
    if (bytes_per_sample <= 0 || available_bytes <= fixed_bytes) return 0;
    const int64_t n = (available_bytes - fixed_bytes) / bytes_per_sample;
    return static_cast<int>(std::min<int64_t>(n, KnobLimits::kMaxBatch));
}

int64_t host_memory_available() noexcept { return host_memory_limits().effective(); }

}  // namespace batchscope::engine
