// Linear, activations, dropout and the reshapes. Convolution and pooling: conv_layers.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "batchscope/engine/model/layers.h"

namespace batchscope::engine::model {

std::string to_string(const Shape& s) {
    if (s.c == 1 && s.h == 1) return std::to_string(s.w);
    return std::to_string(s.c) + std::string("x") + std::to_string(s.h) + std::string("x") + std::to_string(s.w);
}

namespace {
size_t count(int b, const Shape& s) { return static_cast<size_t>(b) * static_cast<size_t>(s.size()); }

}  // namespace

// nn.Linear / nn.Conv2d default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), weights then biases.
// Drawn on the host (the same numbers on every backend), then copied into the backend's memory.
void uniform_init(Backend& be, Buffer& w, Buffer& b, int fan_in, std::mt19937_64& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    std::uniform_real_distribution<float> u(-bound, bound);
    std::vector<float> v(w.size() + b.size());
    for (float& x : v) x = u(rng);
    be.copy_in(w.data(), v.data(), w.size() * sizeof(float));
    be.copy_in(b.data(), v.data() + w.size(), b.size() * sizeof(float));
}

Linear::Linear(Backend& be, int in, int out, std::mt19937_64& rng)
    : Layer(be, Shape{1, 1, in}, Shape{1, 1, out}) {
    if (in <= 0 || out <= 0) throw std::invalid_argument("a Linear layer needs positive widths");
    const size_t nw = static_cast<size_t>(in) * static_cast<size_t>(out);
    w_ = be.allocate(nw, MemoryKind::Weights);
    b_ = be.allocate(static_cast<size_t>(out), MemoryKind::Weights);
    gw_ = be.allocate(nw, MemoryKind::Gradients);
    gb_ = be.allocate(static_cast<size_t>(out), MemoryKind::Gradients);
    uniform_init(be, w_, b_, in, rng);
}

std::string Linear::describe() const {
    return std::string("Linear(") + std::to_string(in_.size()) + std::string(", ") + std::to_string(out_.size()) + ")";
}

void Linear::forward(const float* x, float* y, int b, bool) {
    Scratch unused;
    infer(x, y, b, unused);
}

void Linear::infer(const float* x, float* y, int b, Scratch&) const {
    const int in = static_cast<int>(in_.size()), out = static_cast<int>(out_.size());
    be_.gemm(Transpose::No, Transpose::Yes, b, out, in, 1.f, x, in, w_.data(), in, 0.f, y, out);
    be_.add_bias(y, b_.data(), b, out, 1);
}

void Linear::backward(const float* x, const float*, const float* dy, float* dx, int b) {
    const int in = static_cast<int>(in_.size()), out = static_cast<int>(out_.size());
    be_.gemm(Transpose::Yes, Transpose::No, out, in, b, 1.f, dy, out, x, in, 0.f, gw_.data(), in);
    be_.bias_grad(dy, b, out, 1, gb_.data());
    if (dx) be_.gemm(Transpose::No, Transpose::No, b, in, out, 1.f, dy, out, w_.data(), in, 0.f, dx, in);
}

void ActivationLayer::forward(const float* x, float* y, int b, bool) { be_.activation(a_, x, y, count(b, in_)); }
void ActivationLayer::infer(const float* x, float* y, int b, Scratch&) const {
    be_.activation(a_, x, y, count(b, in_));
}
void ActivationLayer::backward(const float* x, const float*, const float* dy, float* dx, int b) {
    if (dx) be_.activation_grad(a_, x, dy, dx, count(b, in_));
}

Dropout::Dropout(Backend& be, Shape s, float p, uint64_t seed) : Layer(be, s, s), p_(p), rng_(seed) {
    if (!(p >= 0.f && p < 1.f)) throw std::invalid_argument("dropout probability must be in [0, 1)");
}

std::string Dropout::describe() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "Dropout(%.2g)", static_cast<double>(p_));
    return buf;
}

void Dropout::forward(const float* x, float* y, int b, bool training) {
    const size_t n = count(b, in_);
    trained_ = training && p_ > 0.f;
    if (!trained_) {
        be_.copy(y, x, n);
        return;
    }
    be_.ensure(keep_, n, MemoryKind::Activations);
    // The mask is drawn on the host (seeded: the same masks on every backend), straight into the
    // buffer on the CPU backend; a device backend gets it uploaded.
    const bool host = be_.host_memory();
    if (!host && host_keep_.size() < n) host_keep_.resize(n);
    float* keep = host ? keep_.data() : host_keep_.data();
    for (size_t i = 0; i < n; ++i) {
        const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // [0, 1), 53 bits
        keep[i] = u >= static_cast<double>(p_) ? 1.f : 0.f;
    }
    if (!host) be_.copy_in(keep_.data(), keep, n * sizeof(float));
    be_.dropout(x, keep_.data(), 1.f / (1.f - p_), y, n);
}

void Dropout::backward(const float*, const float*, const float* dy, float* dx, int b) {
    if (!dx) return;
    const size_t n = count(b, in_);
    if (!trained_) {
        be_.copy(dx, dy, n);
        return;
    }
    be_.dropout_grad(dy, keep_.data(), 1.f / (1.f - p_), dx, n);
}

void Dropout::infer(const float* x, float* y, int b, Scratch&) const {
    be_.copy(y, x, count(b, in_));
}

void Flatten::forward(const float* x, float* y, int b, bool) { be_.copy(y, x, count(b, in_)); }
void Flatten::backward(const float*, const float*, const float* dy, float* dx, int b) {
    if (dx) be_.copy(dx, dy, count(b, in_));
}
void Flatten::infer(const float* x, float* y, int b, Scratch&) const {
    be_.copy(y, x, count(b, in_));
}

}  // namespace batchscope::engine::model
