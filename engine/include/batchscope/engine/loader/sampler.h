#pragma once
// The order in which an epoch visits a dataset: every index exactly once, or, when sharded,
// this rank's share of one permutation common to all ranks (PyTorch's DistributedSampler).
#include <cstdint>
#include <vector>

namespace batchscope::engine {

struct ShardOptions {
    int rank = 0;   // 0 .. world - 1
    int world = 1;  // number of ranks sharing the dataset
    // Every rank gets the same number of samples: false pads by repeating the first indices of
    // the permutation (ceil(count / world) each), true drops the tail (floor(count / world)).
    bool drop_uneven = false;
};

class EpochSampler {
public:
    EpochSampler(int64_t count, uint64_t seed, bool shuffle = true, ShardOptions shard = {})
        : count_(count), seed_(seed), shuffle_(shuffle), shard_(shard) {}

    // The visiting order of epoch `epoch` (1-based): a seeded permutation of [0, count), the same
    // for the same (seed, epoch) and different from one epoch to the next; or 0..count-1 when
    // shuffling is off. Sharded: positions rank, rank + world, ... of that order (padded or cut).
    std::vector<uint32_t> order(int epoch) const;

    int64_t count() const noexcept { return count_; }
    // Samples per epoch for this rank.
    int64_t shard_size() const noexcept;
    const ShardOptions& shard() const noexcept { return shard_; }

private:
    int64_t count_;
    uint64_t seed_;
    bool shuffle_;
    ShardOptions shard_;
};

}  // namespace batchscope::engine
