#pragma once
// The order in which an epoch visits a dataset: every index exactly once.
#include <cstdint>
#include <vector>

namespace batchscope::engine {

class EpochSampler {
public:
    EpochSampler(int64_t count, uint64_t seed, bool shuffle = true) : count_(count), seed_(seed), shuffle_(shuffle) {}

    // The visiting order of epoch `epoch` (1-based): a seeded permutation of [0, count), the same
    // for the same (seed, epoch) and different from one epoch to the next; or 0..count-1 when
    // shuffling is off.
    std::vector<uint32_t> order(int epoch) const;

    int64_t count() const noexcept { return count_; }

private:
    int64_t count_;
    uint64_t seed_;
    bool shuffle_;
};

}  // namespace batchscope::engine
