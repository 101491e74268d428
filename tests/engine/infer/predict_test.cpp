// Mlp::predict (the serving forward: sgemv at batch 1, the small-batch kernel up to 8, sgemm
// beyond) against a plain double-precision reference, on awkward and real shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "batchscope/engine/mlp.h"

using batchscope::engine::Mlp;

namespace {

std::vector<double> reference(const Mlp& m, const float* x, int b) {
    std::vector<double> in(x, x + static_cast<size_t>(b) * static_cast<size_t>(m.widths().front()));
    for (size_t l = 0; l < m.layer_count(); ++l) {
        const auto w = m.layer_weights(l);
        const auto bias = m.layer_biases(l);
        const size_t n_in = static_cast<size_t>(m.widths()[l]), n_out = static_cast<size_t>(m.widths()[l + 1]);
        std::vector<double> out(static_cast<size_t>(b) * n_out);
        for (size_t i = 0; i < static_cast<size_t>(b); ++i)
            for (size_t j = 0; j < n_out; ++j) {
                double s = bias[j];
                for (size_t k = 0; k < n_in; ++k) s += in[i * n_in + k] * w[j * n_in + k];
                out[i * n_out + j] = l + 1 < m.layer_count() ? std::max(s, 0.0) : s;
            }
        in.swap(out);
    }
    return in;
}

void check_shape(std::vector<int> widths) {
    const Mlp m(widths, 11);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    Mlp::Workspace ws;
    for (int b : {1, 2, 3, 4, 5, 7, 8, 9, 12}) {
        std::vector<float> x(static_cast<size_t>(b) * static_cast<size_t>(widths.front()));
        for (auto& v : x) v = u(rng);
        std::vector<float> logits(static_cast<size_t>(b) * static_cast<size_t>(widths.back()));
        m.predict(x.data(), b, logits.data(), ws);
        const std::vector<double> ref = reference(m, x.data(), b);
        for (size_t k = 0; k < ref.size(); ++k)
            ASSERT_NEAR(logits[k], ref[k], 1e-4 * (1 + std::abs(ref[k]))) << "batch " << b << " value " << k;
    }
}

}  // namespace

TEST(Predict, MatchesAReferenceOnAwkwardShapes) { check_shape({13, 7, 5}); }
TEST(Predict, MatchesAReferenceOnTheServedModel) { check_shape({784, 256, 128, 10}); }
