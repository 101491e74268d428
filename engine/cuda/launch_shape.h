#pragma once
// The launch shape shared by the plugin's element-wise kernels: 256 threads a block, and enough
// blocks for one element per thread up to 2^20 blocks; kernels loop grid-stride beyond that.
#include <cstddef>

namespace batchscope::cuda {

constexpr int kThreads = 256;

inline unsigned blocks_for(size_t n) {
    const size_t b = (n + kThreads - 1) / kThreads;
    constexpr size_t kMaxBlocks = size_t(1) << 20;
    return static_cast<unsigned>(b == 0 ? 1 : (b < kMaxBlocks ? b : kMaxBlocks));
}

}  // namespace batchscope::cuda

#ifdef __CUDACC__
// for (i over [0, n)) one element per thread, striding by the whole grid.
#define BS_GRID_STRIDE(i, n) \
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < (n); i += size_t(gridDim.x) * blockDim.x)
#endif
