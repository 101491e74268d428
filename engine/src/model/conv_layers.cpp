// Conv2d by im2col + GEMM (per sample, or per chunk of samples on the GPU) and MaxPool2d.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "batchscope/engine/model/layers.h"

namespace batchscope::engine::model {

Conv2d::Conv2d(Backend& be, Shape in, int out_channels, int k, int pad, std::mt19937_64& rng)
    : Layer(be, in, Shape{out_channels, in.h + 2 * pad - k + 1, in.w + 2 * pad - k + 1}), k_(k), pad_(pad) {
    if (out_channels <= 0 || k <= 0 || pad < 0 || out_.h <= 0 || out_.w <= 0)
        throw std::invalid_argument(std::string("Conv2d: ") + std::to_string(k) + std::string("x") + std::to_string(k) + " kernel does not fit a " +
                                    to_string(in) + " input");
    const size_t nw = static_cast<size_t>(out_channels) * static_cast<size_t>(ckk());
    w_ = be.allocate(nw, MemoryKind::Weights);
    b_ = be.allocate(static_cast<size_t>(out_channels), MemoryKind::Weights);
    gw_ = be.allocate(nw, MemoryKind::Gradients);
    gb_ = be.allocate(static_cast<size_t>(out_channels), MemoryKind::Gradients);
    col_ = be.allocate(static_cast<size_t>(ckk()) * static_cast<size_t>(out_.h * out_.w), MemoryKind::Workspace);
    uniform_init(be, w_, b_, ckk(), rng);
}

std::string Conv2d::describe() const {
    return std::string("Conv2d(") + std::to_string(in_.c) + std::string(", ") + std::to_string(out_.c) + std::string(", k=") + std::to_string(k_) +
           std::string(", pad=") + std::to_string(pad_) + ")";
}

void Conv2d::run(const float* x, float* y, int b, float* col) const {
    const int ohw = out_.h * out_.w;
    const size_t in_per = static_cast<size_t>(in_.size()), out_per = static_cast<size_t>(out_.size());
    for (int n = 0; n < b; ++n) {
        be_.im2col(x + in_per * static_cast<size_t>(n), in_.c, in_.h, in_.w, k_, 1, pad_, col);
        be_.gemm(Transpose::No, Transpose::No, out_.c, ohw, ckk(), 1.f, w_.data(), ckk(), col, ohw, 0.f,
                 y + out_per * static_cast<size_t>(n), ohw);
    }
    be_.add_bias(y, b_.data(), b, out_.c, ohw);
}

void Conv2d::forward(const float* x, float* y, int b, bool) {
    if (be_.conv_chunk_floats() > 0) return forward_batched(x, y, b);
    run(x, y, b, col_.data());
}

int Conv2d::chunk_samples(int b) const {
    const size_t ohw = static_cast<size_t>(out_.h) * static_cast<size_t>(out_.w);
    const size_t per_sample = std::max(static_cast<size_t>(ckk()), static_cast<size_t>(out_.c)) * ohw;
    const size_t fit = std::max<size_t>(1, be_.conv_chunk_floats() / per_sample);
    return static_cast<int>(std::min(fit, static_cast<size_t>(std::max(1, b))));
}

int64_t Conv2d::workspace_floats(int b) const {
    const int64_t ohw = int64_t{out_.h} * out_.w;
    if (be_.conv_chunk_floats() == 0) return int64_t{ckk()} * ohw;  // one sample's columns
    return (int64_t{ckk()} + out_.c) * ohw * chunk_samples(b);       // a chunk's columns and GEMM output
}

void Conv2d::reserve_chunk(int nb) {
    const size_t cols = static_cast<size_t>(nb) * static_cast<size_t>(out_.h * out_.w);
    be_.ensure(col_, static_cast<size_t>(ckk()) * cols, MemoryKind::Workspace);
    be_.ensure(tmp_, static_cast<size_t>(out_.c) * cols, MemoryKind::Workspace);
}

// Per chunk of nb samples: col = unfold(x) [ckk x nb*ohw]; tmp = W col [out_c x nb*ohw]; y = tmp
// with its outer axes swapped ([nb][out_c][ohw]).
void Conv2d::forward_batched(const float* x, float* y, int b) {
    const int ohw = out_.h * out_.w;
    const size_t in_per = static_cast<size_t>(in_.size()), out_per = static_cast<size_t>(out_.size());
    const int chunk = chunk_samples(b);
    reserve_chunk(chunk);
    for (int s0 = 0; s0 < b; s0 += chunk) {
        const int nb = std::min(chunk, b - s0);
        be_.im2col_batch(x + in_per * static_cast<size_t>(s0), nb, in_.c, in_.h, in_.w, k_, 1, pad_, col_.data());
        be_.gemm(Transpose::No, Transpose::No, out_.c, nb * ohw, ckk(), 1.f, w_.data(), ckk(), col_.data(), nb * ohw,
                 0.f, tmp_.data(), nb * ohw);
        be_.transpose_outer(tmp_.data(), out_.c, nb, ohw, y + out_per * static_cast<size_t>(s0));
    }
    be_.add_bias(y, b_.data(), b, out_.c, ohw);
}

// Per chunk: tmp = dy with its outer axes swapped [out_c x nb*ohw]; gW (+)= tmp unfold(x)^T;
// dcol = W^T tmp, folded back into dx.
void Conv2d::backward_batched(const float* x, const float* dy, float* dx, int b) {
    const int ohw = out_.h * out_.w;
    const size_t in_per = static_cast<size_t>(in_.size()), out_per = static_cast<size_t>(out_.size());
    const int chunk = chunk_samples(b);
    reserve_chunk(chunk);
    for (int s0 = 0; s0 < b; s0 += chunk) {
        const int nb = std::min(chunk, b - s0);
        const int cols = nb * ohw;
        be_.transpose_outer(dy + out_per * static_cast<size_t>(s0), nb, out_.c, ohw, tmp_.data());
        be_.im2col_batch(x + in_per * static_cast<size_t>(s0), nb, in_.c, in_.h, in_.w, k_, 1, pad_, col_.data());
        be_.gemm(Transpose::No, Transpose::Yes, out_.c, ckk(), cols, 1.f, tmp_.data(), cols, col_.data(), cols,
                 s0 == 0 ? 0.f : 1.f, gw_.data(), ckk());
        if (dx) {
            be_.gemm(Transpose::Yes, Transpose::No, ckk(), cols, out_.c, 1.f, w_.data(), ckk(), tmp_.data(), cols, 0.f,
                     col_.data(), cols);
            be_.col2im_batch(col_.data(), nb, in_.c, in_.h, in_.w, k_, 1, pad_, dx + in_per * static_cast<size_t>(s0));
        }
    }
    be_.bias_grad(dy, b, out_.c, ohw, gb_.data());
}

void Conv2d::infer(const float* x, float* y, int b, Scratch& s) const {
    const size_t need = static_cast<size_t>(ckk()) * static_cast<size_t>(out_.h * out_.w);
    if (s.f.size() < need) s.f.resize(need);
    run(x, y, b, s.f.data());
}

void Conv2d::backward(const float* x, const float*, const float* dy, float* dx, int b) {
    if (be_.conv_chunk_floats() > 0) return backward_batched(x, dy, dx, b);
    const int ohw = out_.h * out_.w;
    const size_t in_per = static_cast<size_t>(in_.size()), out_per = static_cast<size_t>(out_.size());
    float* col = col_.data();
    for (int n = 0; n < b; ++n) {
        const float* dyn = dy + out_per * static_cast<size_t>(n);
        // gW += dy_n col_n^T
        be_.im2col(x + in_per * static_cast<size_t>(n), in_.c, in_.h, in_.w, k_, 1, pad_, col);
        be_.gemm(Transpose::No, Transpose::Yes, out_.c, ckk(), ohw, 1.f, dyn, ohw, col, ohw, n == 0 ? 0.f : 1.f,
                 gw_.data(), ckk());
        if (dx) {  // dcol = W^T dy_n, folded back into dx_n
            be_.gemm(Transpose::Yes, Transpose::No, ckk(), ohw, out_.c, 1.f, w_.data(), ckk(), dyn, ohw, 0.f, col,
                     ohw);
            be_.col2im(col, in_.c, in_.h, in_.w, k_, 1, pad_, dx + in_per * static_cast<size_t>(n));
        }
    }
    be_.bias_grad(dy, b, out_.c, ohw, gb_.data());
}

MaxPool2d::MaxPool2d(Backend& be, Shape in, int k) : Layer(be, in, Shape{in.c, in.h / k, in.w / k}), k_(k) {
    if (k < 1 || out_.h < 1 || out_.w < 1)
        throw std::invalid_argument(std::string("MaxPool2d: a ") + std::to_string(k) + std::string("x") + std::to_string(k) +
                                    std::string(" window does not fit a ") + to_string(in) + " input");
}

std::string MaxPool2d::describe() const { return std::string("MaxPool2d(") + std::to_string(k_) + ")"; }

void MaxPool2d::forward(const float* x, float* y, int b, bool) {
    const size_t n = static_cast<size_t>(b) * static_cast<size_t>(out_.size());
    be_.ensure(arg_, n, MemoryKind::Activations);
    be_.maxpool(x, b * in_.c, in_.h, in_.w, k_, k_, y, reinterpret_cast<int32_t*>(arg_.data()));
}

void MaxPool2d::backward(const float*, const float*, const float* dy, float* dx, int b) {
    if (dx)
        be_.maxpool_grad(dy, reinterpret_cast<const int32_t*>(arg_.data()), b * in_.c, in_.h, in_.w, k_, k_, dx);
}

void MaxPool2d::infer(const float* x, float* y, int b, Scratch& s) const {
    const size_t n = static_cast<size_t>(b) * static_cast<size_t>(out_.size());
    if (s.i.size() < n) s.i.resize(n);
    be_.maxpool(x, b * in_.c, in_.h, in_.w, k_, k_, y, s.i.data());
}

}  // namespace batchscope::engine::model
