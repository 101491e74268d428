#pragma once
// How large a batch fits in the memory left: the advice an out-of-memory failure gives.
#include <cstdint>

namespace batchscope::engine {

// The largest batch size whose memory fits in `available_bytes` when `fixed_bytes` do not depend
// on the batch and each sample needs `bytes_per_sample` (capped at the batch-size limit); 0 when
// not even one sample fits.
int largest_batch_that_fits(int64_t fixed_bytes, int64_t bytes_per_sample, int64_t available_bytes) noexcept;

// Samples per evaluation batch for samples of `sample_floats` floats: 1000, or fewer so that a
// float32 batch stays within 64 MiB (224 x 224 RGB: 111 samples, not 600 MB a batch).
int evaluation_batch_size(int64_t sample_floats) noexcept;

// Host memory this process can still take, in bytes: MemAvailable of /proc/meminfo, or less when
// an address-space limit (ulimit -v) leaves less; -1 when it cannot be read.
int64_t host_memory_available() noexcept;

}  // namespace batchscope::engine
