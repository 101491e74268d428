// 8-bit batches converted to float on the device (the compute table's collate_u8): HWC bytes as
// decoded into CHW floats, each value scaled and shifted per channel with the product and the sum
// rounded apart (__fmul_rn, __fadd_rn: nvcc would otherwise fuse them into one FMA), so the result
// is bit-identical to the host's data::Collator.
#include "compute_kernels.h"
#include "launch_shape.h"

namespace batchscope::cuda {
namespace {

// One thread per output float; consecutive threads write consecutive pixels of a channel plane.
__global__ void collate_u8_kernel(const uint8_t* hwc, int pixels, int channels, BsGpuCollate p, size_t total,
                                  float* chw) {
    BS_GRID_STRIDE(i, total) {
        const size_t px = i % size_t(pixels);
        const size_t plane = i / size_t(pixels);  // sample * channels + channel
        const int c = int(plane % size_t(channels));
        const size_t sample = plane / size_t(channels);
        const float v = float(hwc[(sample * size_t(pixels) + px) * size_t(channels) + size_t(c)]);
        chw[i] = __fadd_rn(__fmul_rn(v, p.scale[c]), p.bias[c]);
    }
}

}  // namespace

cudaError_t launch_collate_u8(cudaStream_t s, const uint8_t* hwc, int n, int pixels, int channels, BsGpuCollate p,
                              float* chw) {
    const size_t total = size_t(n) * size_t(pixels) * size_t(channels);
    collate_u8_kernel<<<blocks_for(total), kThreads, 0, s>>>(hwc, pixels, channels, p, total, chw);
    return cudaGetLastError();
}

}  // namespace batchscope::cuda
