#include "batchscope/engine/memory_fit.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "batchscope/engine/train_config.h"

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

int64_t host_memory_available() noexcept {
    std::FILE* f = std::fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[256];
    long long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "MemAvailable: %lld kB", &kib) == 1) break;
    std::fclose(f);
    int64_t avail = kib >= 0 ? static_cast<int64_t>(kib) * 1024 : -1;
    // An address-space limit (ulimit -v) can be tighter than the machine's free memory.
    rlimit lim{};
    if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
        long long pages = 0;
        if (std::FILE* s = std::fopen("/proc/self/statm", "r")) {
            if (std::fscanf(s, "%lld", &pages) != 1) pages = 0;
            std::fclose(s);
        }
        const int64_t left = static_cast<int64_t>(lim.rlim_cur) - static_cast<int64_t>(pages) * sysconf(_SC_PAGESIZE);
        avail = avail < 0 ? left : std::min(avail, left);
    }
    return avail;
}

}  // namespace batchscope::engine
