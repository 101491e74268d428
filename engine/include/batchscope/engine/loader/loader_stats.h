#pragma once
// What the loader measures: per batch, the per-sample read / decode / augment / collate times
// summed over its samples; per worker, busy and idle time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace batchscope::engine {

struct LoadTimes {
    int64_t read_ns = 0;     // fetching stored bytes, storage profile included
    int64_t decode_ns = 0;   // JPEG / PNG decoding (zero for raw samples)
    int64_t augment_ns = 0;  // crop, resize, flip
    int64_t collate_ns = 0;  // to float, normalised, into the batch buffer

    int64_t sum() const noexcept { return read_ns + decode_ns + augment_ns + collate_ns; }
    LoadTimes& operator+=(const LoadTimes& o) noexcept {
        read_ns += o.read_ns, decode_ns += o.decode_ns, augment_ns += o.augment_ns, collate_ns += o.collate_ns;
        return *this;
    }
};

// One batch's build.
struct BatchTimes {
    LoadTimes parts;        // summed over the batch's samples
    int64_t start_ns = 0;   // the build on the profiler clock
    int64_t end_ns = 0;
    int worker = -1;        // loader worker; -1 when built on the trainer's thread (0 workers)
};

struct WorkerActivity {
    int64_t busy_ns = 0;  // building batches
    int64_t idle_ns = 0;  // waiting for a batch to be allowed (prefetch window full) or for work
    int64_t batches = 0;
};

// Skipped samples named in the loader's statistics (the rest are only counted).
inline constexpr size_t kNamedSkips = 10;

struct LoaderStats {
    LoadTimes parts;       // over all samples built so far
    int64_t samples = 0;   // delivered into batches
    int64_t skipped = 0;   // left out under the "skip" error policy
    std::vector<std::string> skipped_samples;  // the first kNamedSkips of them: "file: reason"
    int64_t batches = 0;
    std::vector<WorkerActivity> workers;  // one per worker (one for the trainer's thread with 0 workers)

    int64_t busy_ns() const noexcept {
        int64_t s = 0;
        for (const auto& w : workers) s += w.busy_ns;
        return s;
    }
    int64_t idle_ns() const noexcept {
        int64_t s = 0;
        for (const auto& w : workers) s += w.idle_ns;
        return s;
    }
};

}  // namespace batchscope::engine
