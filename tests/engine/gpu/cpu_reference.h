#pragma once
// Plain double-precision references for the GPU kernel tests, written independently of
// elementwise_math.h, plus the error measure the tolerances apply to.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace batchscope::test {

// Norm-wise relative error max|got - want| / max(max|want|, tiny): one figure per tensor,
// robust to entries near zero (where element-wise relative error is meaningless).
inline double rel_error(const std::vector<float>& got, const std::vector<double>& want) {
    double diff = 0, scale = 1e-30;
    for (size_t i = 0; i < want.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(got.at(i)) - want[i]));
        scale = std::max(scale, std::abs(want[i]));
    }
    return got.size() == want.size() ? diff / scale : INFINITY;
}

// Row-major C = op(A) op(B), with op chosen by the flags.
inline std::vector<double> gemm(bool ta, bool tb, int m, int n, int k, const std::vector<float>& a,
                                const std::vector<float>& b) {
    std::vector<double> c(static_cast<size_t>(m) * n);
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int p = 0; p < k; ++p) {
                const double av = ta ? a[static_cast<size_t>(p) * m + i] : a[static_cast<size_t>(i) * k + p];
                const double bv = tb ? b[static_cast<size_t>(j) * k + p] : b[static_cast<size_t>(p) * n + j];
                s += av * bv;
            }
            c[static_cast<size_t>(i) * n + j] = s;
        }
    return c;
}

inline double relu(double x) { return x > 0 ? x : 0; }
inline double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
inline double gelu_grad(double x) {
    return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
}

// Softmax cross-entropy of one row; grad = (softmax - onehot) * scale.
inline double softmax_xent(const float* z, int cols, int label, double scale, double* grad) {
    double m = z[0];
    for (int j = 1; j < cols; ++j) m = std::max(m, static_cast<double>(z[j]));
    double sum = 0;
    for (int j = 0; j < cols; ++j) sum += std::exp(z[j] - m);
    for (int j = 0; j < cols; ++j) grad[j] = (std::exp(z[j] - m) / sum - (j == label ? 1 : 0)) * scale;
    return std::log(sum) + m - z[label];
}

// Crammer-Singer hinge of one row.
inline double hinge(const float* z, int cols, int label, double scale, double margin, double* grad) {
    int rival = -1;
    for (int j = 0; j < cols; ++j) {
        grad[j] = 0;
        if (j != label && (rival < 0 || z[j] > z[rival])) rival = j;
    }
    const double l = margin + z[rival] - z[label];
    if (l <= 0) return 0;
    grad[rival] = scale;
    grad[label] = -scale;
    return l;
}

}  // namespace batchscope::test
