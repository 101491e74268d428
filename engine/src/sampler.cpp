#include "batchscope/engine/sampler.h"

#include <numeric>
#include <random>

namespace batchscope::engine {

std::vector<uint32_t> EpochSampler::order(int epoch) const {
    std::vector<uint32_t> idx(static_cast<size_t>(count_));
    std::iota(idx.begin(), idx.end(), 0u);
    if (!shuffle_) return idx;
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
    return idx;
}

}  // namespace batchscope::engine
