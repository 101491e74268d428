#include "batchscope/engine/loader/sampler.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace batchscope::engine {

int64_t EpochSampler::shard_size() const noexcept {
    const int64_t w = std::max(1, shard_.world);
    if (w == 1) return count_;
    return shard_.drop_uneven ? count_ / w : (count_ + w - 1) / w;
}

std::vector<uint32_t> EpochSampler::order(int epoch) const {
    std::vector<uint32_t> idx(static_cast<size_t>(count_));
    std::iota(idx.begin(), idx.end(), 0u);
    if (shuffle_) {
        // splitmix-style mixing so that (seed, epoch) pairs give unrelated streams.
        uint64_t z = seed_ + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(epoch + 1);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        std::mt19937_64 rng(z ^ (z >> 31));
        // Fisher-Yates with our own bounded draws: std::shuffle's use of distributions is
        // implementation-defined, and a seed must give the same order on every standard library.
        for (size_t i = idx.size(); i > 1; --i) {
            const uint64_t bound = i;
            const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
            uint64_t r;
            do r = rng();
            while (r >= limit);
            std::swap(idx[i - 1], idx[static_cast<size_t>(r % bound)]);
        }
    }
    const int world = std::max(1, shard_.world);
    if (world == 1 || idx.empty()) return idx;
    const auto per_rank = static_cast<size_t>(shard_size());
    const size_t total = per_rank * static_cast<size_t>(world);
    for (size_t i = 0; idx.size() < total; ++i) idx.push_back(idx[i]);  // pad from the start
    std::vector<uint32_t> mine;
    mine.reserve(per_rank);
    for (size_t i = static_cast<size_t>(std::clamp(shard_.rank, 0, world - 1)); i < total;
         i += static_cast<size_t>(world))
        mine.push_back(idx[i]);
    return mine;
}

}  // namespace batchscope::engine
