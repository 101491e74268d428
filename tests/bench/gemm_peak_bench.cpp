// The SGEMM rate OpenBLAS reaches on this machine (GFLOP/s, the best of several repetitions):
// the "peak" that compare_train.py sets the training's compute GFLOP/s against. Prints one JSON
// object: {"threads": T, "sizes": {"1024": gflops, ...}, "peak_gflops": best}.
//   bench_gemm_peak [--threads 1] [--seconds 0.5]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "batchscope/engine/mlp.h"  // set_blas_threads

int main(int argc, char** argv) {
    int threads = 1;
    double seconds = 0.5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
        else {
            std::fprintf(stderr, "usage: bench_gemm_peak [--threads N] [--seconds S]\n");
            return 2;
        }
    }
    batchscope::engine::set_blas_threads(threads);
    std::printf("{\"threads\": %d, \"sizes\": {", threads);
    double peak = 0;
    bool first = true;
    for (int n : {256, 512, 1024, 2048}) {
        std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a.size(), 0.25f), c(a.size());
        double best = 0;
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        do {
            const auto t0 = std::chrono::steady_clock::now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::max(best, 2.0 * n * n * static_cast<double>(n) / s / 1e9);
        } while (std::chrono::steady_clock::now() < end);
        peak = std::max(peak, best);
        std::printf("%s\"%d\": %.1f", first ? "" : ", ", n, best);
        first = false;
    }
    std::printf("}, \"peak_gflops\": %.1f}\n", peak);
    return 0;
}
