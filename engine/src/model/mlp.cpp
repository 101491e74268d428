#include "batchscope/engine/mlp.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "small_gemm.h"

namespace batchscope::engine {

Mlp::Mlp(std::vector<int> widths, uint64_t seed) : widths_(std::move(widths)) {
    if (widths_.size() < 2) throw std::invalid_argument("an MLP needs at least an input and an output width");
    for (int w : widths_)
        if (w <= 0) throw std::invalid_argument("MLP widths must be positive");
    std::mt19937_64 rng(seed);
    for (size_t l = 0; l + 1 < widths_.size(); ++l) {
        Layer L;
        L.in = widths_[l];
        L.out = widths_[l + 1];
        // nn.Linear: U(-1/sqrt(in), 1/sqrt(in)) for weights and biases.
        const float bound = 1.0f / std::sqrt(static_cast<float>(L.in));
        std::uniform_real_distribution<float> u(-bound, bound);
        const size_t nw = static_cast<size_t>(L.in) * L.out;
        L.w.resize(nw);
        for (auto& v : L.w) v = u(rng);
        L.b.resize(L.out);
        for (auto& v : L.b) v = u(rng);
        L.gw.assign(nw, 0.f);
        L.vw.assign(nw, 0.f);
        L.gb.assign(L.out, 0.f);
        L.vb.assign(L.out, 0.f);
        layers_.push_back(std::move(L));
    }
    act_.resize(layers_.size());
    grad_.resize(layers_.size());
}

int64_t Mlp::parameter_count() const noexcept {
    int64_t n = 0;
    for (const auto& L : layers_) n += int64_t{L.in} * L.out + L.out;
    return n;
}

int64_t Mlp::flops_per_train_sample() const noexcept {
    int64_t f = 0;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const int64_t mac = int64_t{layers_[l].in} * layers_[l].out;
        f += 2 * mac * (l == 0 ? 2 : 3);  // forward, weight grad, and input grad except layer 0
    }
    return f;
}

void Mlp::ensure_capacity(int b) {
    if (b <= capacity_) return;
    for (size_t l = 0; l < layers_.size(); ++l) {
        act_[l].resize(static_cast<size_t>(b) * layers_[l].out);
        grad_[l].resize(static_cast<size_t>(b) * layers_[l].out);
    }
    capacity_ = b;
}

const float* Mlp::forward(const float* x, int b) {
    ensure_capacity(b);
    const float* in = x;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const Layer& L = layers_[l];
        float* out = act_[l].data();
        // out = in * W^T  (b x out)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, L.out, L.in, 1.0f, in, L.in, L.w.data(), L.in, 0.0f,
                    out, L.out);
        const bool relu = l + 1 < layers_.size();
        for (int i = 0; i < b; ++i) {
            float* row = out + static_cast<size_t>(i) * L.out;
            for (int j = 0; j < L.out; ++j) {
                const float v = row[j] + L.b[j];
                row[j] = relu ? (v > 0.f ? v : 0.f) : v;
            }
        }
        in = out;
    }
    return in;
}

float Mlp::train_step(const float* x, const int32_t* y, int b, float lr, float momentum) {
    if (b <= 0) return 0.f;
    const float* logits = forward(x, b);
    const size_t last = layers_.size() - 1;
    const int classes = layers_[last].out;

    // Softmax cross-entropy; gradient (p - onehot) / b into grad_[last].
    double loss = 0;
    float* g = grad_[last].data();
    const float inv_b = 1.0f / static_cast<float>(b);
    for (int i = 0; i < b; ++i) {
        const float* z = logits + static_cast<size_t>(i) * classes;
        float* gi = g + static_cast<size_t>(i) * classes;
        float m = z[0];
        for (int j = 1; j < classes; ++j) m = std::max(m, z[j]);
        float sum = 0.f;
        for (int j = 0; j < classes; ++j) {
            gi[j] = std::exp(z[j] - m);
            sum += gi[j];
        }
        const int yi = y[i];
        loss += static_cast<double>(std::log(sum) + m - z[yi]);
        const float inv = 1.0f / sum;
        for (int j = 0; j < classes; ++j) gi[j] = gi[j] * inv * inv_b;
        gi[yi] -= inv_b;
    }

    for (size_t l = layers_.size(); l-- > 0;) {
        Layer& L = layers_[l];
        const float* in = l == 0 ? x : act_[l - 1].data();
        const float* d = grad_[l].data();
        // gw = d^T * in  (out x in); gb = column sums of d.
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L.out, L.in, b, 1.0f, d, L.out, in, L.in, 0.0f,
                    L.gw.data(), L.in);
        std::fill(L.gb.begin(), L.gb.end(), 0.f);
        for (int i = 0; i < b; ++i) {
            const float* di = d + static_cast<size_t>(i) * L.out;
            for (int j = 0; j < L.out; ++j) L.gb[j] += di[j];
        }
        if (l > 0) {
            // d_prev = d * W (b x in), then through the previous layer's ReLU.
            float* dp = grad_[l - 1].data();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, L.in, L.out, 1.0f, d, L.out, L.w.data(), L.in,
                        0.0f, dp, L.in);
            const float* a = act_[l - 1].data();
            const size_t n = static_cast<size_t>(b) * L.in;
            for (size_t k = 0; k < n; ++k)
                if (a[k] <= 0.f) dp[k] = 0.f;
        }
    }
    // SGD with momentum, as torch.optim.SGD: v = mu*v + g; w -= lr*v.
    for (Layer& L : layers_) {
        for (size_t k = 0; k < L.w.size(); ++k) {
            L.vw[k] = momentum * L.vw[k] + L.gw[k];
            L.w[k] -= lr * L.vw[k];
        }
        for (size_t k = 0; k < L.b.size(); ++k) {
            L.vb[k] = momentum * L.vb[k] + L.gb[k];
            L.b[k] -= lr * L.vb[k];
        }
    }
    return static_cast<float>(loss / b);
}

int64_t Mlp::count_correct(const float* x, const int32_t* y, int b) {
    if (b <= 0) return 0;
    const float* logits = forward(x, b);
    const int classes = layers_.back().out;
    int64_t correct = 0;
    for (int i = 0; i < b; ++i) {
        const float* z = logits + static_cast<size_t>(i) * classes;
        const int arg = static_cast<int>(std::max_element(z, z + classes) - z);
        correct += arg == y[i];
    }
    return correct;
}

void Mlp::predict(const float* x, int b, float* logits, Workspace& ws) const {
    if (b <= 0) return;
    size_t hidden = 0;
    for (size_t l = 0; l + 1 < layers_.size(); ++l) hidden = std::max(hidden, static_cast<size_t>(layers_[l].out));
    if (ws.a.size() < hidden * static_cast<size_t>(b)) {
        ws.a.resize(hidden * static_cast<size_t>(b));
        ws.b.resize(hidden * static_cast<size_t>(b));
    }
    const float* in = x;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const Layer& L = layers_[l];
        const bool last = l + 1 == layers_.size();
        float* out = last ? logits : (l % 2 == 0 ? ws.a.data() : ws.b.data());
        if (b == 1) {  // matrix-vector: OpenBLAS's sgemv has far less overhead than a 1-row sgemm
            cblas_sgemv(CblasRowMajor, CblasNoTrans, L.out, L.in, 1.0f, L.w.data(), L.in, in, 1, 0.0f, out, 1);
        } else if (b <= detail::kSmallBatchMax) {  // sgemm would pack all the weights for a few rows
            detail::small_batch_gemm(in, b, L.w.data(), L.out, L.in, out);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, L.out, L.in, 1.0f, in, L.in, L.w.data(), L.in,
                        0.0f, out, L.out);
        }
        for (int i = 0; i < b; ++i) {
            float* row = out + static_cast<size_t>(i) * L.out;
            for (int j = 0; j < L.out; ++j) {
                const float v = row[j] + L.b[j];
                row[j] = last ? v : (v > 0.f ? v : 0.f);
            }
        }
        in = out;
    }
}

void Mlp::set_layer(size_t l, std::span<const float> w, std::span<const float> b) {
    if (l >= layers_.size()) throw std::invalid_argument("no layer " + std::to_string(l) + " in this MLP");
    Layer& L = layers_[l];
    if (w.size() != L.w.size() || b.size() != L.b.size())
        throw std::invalid_argument("layer " + std::to_string(l) + " expects " + std::to_string(L.w.size()) +
                                    " weights and " + std::to_string(L.b.size()) + " biases");
    std::copy(w.begin(), w.end(), L.w.begin());
    std::copy(b.begin(), b.end(), L.b.begin());
    std::fill(L.vw.begin(), L.vw.end(), 0.f);
    std::fill(L.vb.begin(), L.vb.end(), 0.f);
}

void set_blas_threads(int n) { openblas_set_num_threads(std::max(1, n)); }

const char* blas_description() {
    static const std::string s = [] {
        std::string r = openblas_get_config();
        r += " (core: ";
        r += openblas_get_corename();
        r += ")";
        return r;
    }();
    return s.c_str();
}

}  // namespace batchscope::engine
