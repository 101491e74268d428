#include "small_gemm.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace batchscope::engine::detail {
namespace {

void portable(const float* x, int b, const float* w, int out, int in, float* y) {
    for (int i = 0; i < b; ++i)
        for (int j = 0; j < out; ++j) {
            const float* xi = x + static_cast<long>(i) * in;
            const float* wj = w + static_cast<long>(j) * in;
            float acc = 0.f;
            for (int k = 0; k < in; ++k) acc += xi[k] * wj[k];
            y[static_cast<long>(i) * out + j] = acc;
        }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// NI input rows against NJ weight rows at a time (NI * NJ = 8 accumulators in registers): the
// weights are streamed once per NI rows, each weight load feeds NI FMAs. Rows past the end are
// clamped to the last one and their results not stored.
template <int NI, int NJ>
__attribute__((target("avx2,fma"))) void block(const float* x, int i0, int b, const float* w, int out, int in,
                                               float* y) {
    const int in8 = in & ~7;
    const float* xr[NI];
    for (int ii = 0; ii < NI; ++ii) xr[ii] = x + static_cast<long>(std::min(i0 + ii, b - 1)) * in;
    for (int j0 = 0; j0 < out; j0 += NJ) {
        const float* wr[NJ];
        for (int jj = 0; jj < NJ; ++jj) wr[jj] = w + static_cast<long>(std::min(j0 + jj, out - 1)) * in;
        __m256 acc[NI][NJ];
        for (int ii = 0; ii < NI; ++ii)
            for (int jj = 0; jj < NJ; ++jj) acc[ii][jj] = _mm256_setzero_ps();
        for (int k = 0; k < in8; k += 8) {
            __m256 xv[NI];
            for (int ii = 0; ii < NI; ++ii) xv[ii] = _mm256_loadu_ps(xr[ii] + k);
            for (int jj = 0; jj < NJ; ++jj) {
                const __m256 wv = _mm256_loadu_ps(wr[jj] + k);
                for (int ii = 0; ii < NI; ++ii) acc[ii][jj] = _mm256_fmadd_ps(wv, xv[ii], acc[ii][jj]);
            }
        }
        for (int ii = 0; ii < NI && i0 + ii < b; ++ii)
            for (int jj = 0; jj < NJ && j0 + jj < out; ++jj) {
                float sum = hsum(acc[ii][jj]);
                for (int k = in8; k < in; ++k) sum += xr[ii][k] * wr[jj][k];
                y[static_cast<long>(i0 + ii) * out + j0 + jj] = sum;
            }
    }
}

__attribute__((target("avx2,fma"))) void avx2(const float* x, int b, const float* w, int out, int in, float* y) {
    int i = 0;
    for (; i + 4 <= b; i += 4) block<4, 2>(x, i, b, w, out, in, y);
    if (b - i >= 2) {
        block<2, 4>(x, i, b, w, out, in, y);
        i += 2;
    }
    if (i < b) block<1, 8>(x, i, b, w, out, in, y);
}

bool have_avx2_fma() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}
#endif

}  // namespace

void small_batch_gemm(const float* x, int b, const float* w, int out, int in, float* y) {
#if defined(__x86_64__)
    if (have_avx2_fma()) return avx2(x, b, w, out, in, y);
#endif
    portable(x, b, w, out, in, y);
}

}  // namespace batchscope::engine::detail
