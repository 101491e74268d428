#pragma once
// Internal: the product of a few input rows with a weight matrix, for serving. OpenBLAS's sgemm
// packs the whole weight matrix on every call (tens of microseconds for 784 x 256), which makes a
// batch of 4 cost as much as four batches of 1 and hides the point of dynamic batching; this
// kernel keeps a block of rows x weight rows in registers and streams the weights once per block.
namespace batchscope::engine::detail {

inline constexpr int kSmallBatchMax = 8;

// y[i * out + j] = sum_k x[i * in + k] * w[j * in + k], for i < b (b <= kSmallBatchMax), j < out.
// AVX2 + FMA when the CPU has them (chosen at run time), portable loops otherwise.
void small_batch_gemm(const float* x, int b, const float* w, int out, int in, float* y);

}  // namespace batchscope::engine::detail
