// The CPU backend: OpenBLAS GEMM, and plain loops over elementwise_math.h that the compiler
// vectorises. Buffers are 64-byte aligned host memory, counted per kind.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#include "batchscope/engine/mlp.h"
#include "batchscope/engine/model/backend.h"
#include "batchscope/engine/model/elementwise_math.h"

namespace batchscope::engine::model {

const char* to_string(MemoryKind k) noexcept {
    switch (k) {
        case MemoryKind::Weights: return "weights";
        case MemoryKind::Gradients: return "gradients";
        case MemoryKind::OptimizerState: return "optimizer state";
        case MemoryKind::Activations: return "activations";
        case MemoryKind::Workspace: return "workspace";
        case MemoryKind::Count: break;
    }
    return "?";
}

int64_t MemoryStats::total() const noexcept {
    int64_t t = 0;
    for (int64_t b : bytes) t += b;
    return t;
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
    if (this != &o) {
        release();
        owner_ = o.owner_;
        p_ = o.p_;
        n_ = o.n_;
        kind_ = o.kind_;
        o.owner_ = nullptr;
        o.p_ = nullptr;
        o.n_ = 0;
    }
    return *this;
}

void Buffer::release() noexcept {
    if (owner_ && p_) owner_->free_buffer(p_, n_, kind_);
    owner_ = nullptr;
    p_ = nullptr;
    n_ = 0;
}

void Backend::ensure(Buffer& b, size_t n, MemoryKind kind) {
    if (b.size() >= n && b.kind() == kind && b.data()) return;
    b.release();  // first: the old memory is given back before the larger block is asked for
    b = allocate(n, kind);
}

void Backend::copy_in(void* dst, const void* host_src, size_t bytes) {
    if (bytes) std::memcpy(dst, host_src, bytes);
}
void Backend::copy_out(void* host_dst, const void* src, size_t bytes) {
    if (bytes) std::memcpy(host_dst, src, bytes);
}
void Backend::zero(float* dst, size_t n) { std::fill(dst, dst + n, 0.f); }

void Backend::im2col_batch(const float* x, int n, int c, int h, int w, int k, int stride, int pad, float* col) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const int64_t total = int64_t{c} * k * k * n * oh * ow;
    for (int64_t i = 0; i < total; ++i) {
        const int64_t src = math::im2col_batch_source(i, n, c, h, w, k, stride, pad, oh, ow);
        col[i] = src >= 0 ? x[src] : 0.f;
    }
}
void Backend::col2im_batch(const float* col, int n, int c, int h, int w, int k, int stride, int pad, float* x) {
    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    const int64_t total = int64_t{n} * c * h * w;
    for (int64_t i = 0; i < total; ++i) x[i] = math::col2im_batch_gather(col, i, n, c, h, w, k, stride, pad, oh, ow);
}
void Backend::transpose_outer(const float* x, int a, int b, int inner, float* y) {
    const auto in = static_cast<size_t>(inner);
    for (int i = 0; i < a; ++i)
        for (int j = 0; j < b; ++j)
            std::memcpy(y + (static_cast<size_t>(j) * a + i) * in, x + (static_cast<size_t>(i) * b + j) * in,
                        in * sizeof(float));
}

namespace {
[[noreturn]] void not_pipelined(const Backend& be) {
    throw std::logic_error(be.name() + " does not pipeline training steps (a caller's bug: check pipelined())");
}
}  // namespace
void Backend::stage_upload(int, std::span<const Upload>, bool) { not_pipelined(*this); }
void Backend::wait_upload(int) { not_pipelined(*this); }
void Backend::collate_u8(const void*, int, int, int, const std::array<float, 3>&, const std::array<float, 3>&, float*) {
    throw std::logic_error(name() + " converts no 8-bit batches on the device (a caller's bug: check device_collate())");
}
void Backend::release_slot(int) { not_pipelined(*this); }
void Backend::softmax_xent_pending(const float*, const int32_t*, int, int, float*) { not_pipelined(*this); }
void Backend::hinge_pending(const float*, const int32_t*, int, int, float, float*) { not_pipelined(*this); }
void Backend::queue_loss_read() { not_pipelined(*this); }
double Backend::loss_result() { not_pipelined(*this); }

namespace {

CBLAS_TRANSPOSE tr(Transpose t) { return t == Transpose::Yes ? CblasTrans : CblasNoTrans; }

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(int threads) { set_threads(threads); }

    std::string name() const override { return std::string("CPU, ") + blas_description(); }
    void set_threads(int n) override { set_blas_threads(n); }

    Buffer allocate(size_t n, MemoryKind kind) override {
        const size_t bytes = std::max<size_t>(64, (n * sizeof(float) + 63) / 64 * 64);
        void* p = std::aligned_alloc(64, bytes);
        if (!p) throw std::bad_alloc();
        std::memset(p, 0, bytes);
        {
            std::lock_guard lock(m_);
            stats_.bytes[static_cast<size_t>(kind)] += static_cast<int64_t>(n * sizeof(float));
            stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.total());
        }
        return Buffer(this, static_cast<float*>(p), n, kind);
    }

    MemoryStats memory() const override {
        std::lock_guard lock(m_);
        return stats_;
    }

    void copy(float* dst, const float* src, size_t n) override {
        if (n) std::memcpy(dst, src, n * sizeof(float));
    }

    void gemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
              int ldb, float beta, float* c, int ldc) override {
        cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    void add_bias(float* y, const float* bias, int outer, int channels, int inner) override {
        for (int o = 0; o < outer; ++o)
            for (int c = 0; c < channels; ++c) {
                float* p = y + (static_cast<size_t>(o) * channels + c) * inner;
                const float bc = bias[c];
                for (int i = 0; i < inner; ++i) p[i] += bc;
            }
    }

    void bias_grad(const float* dy, int outer, int channels, int inner, float* gb) override {
        std::fill(gb, gb + channels, 0.f);
        if (inner == 1) {  // Linear: column sums, row by row (vectorises across channels)
            for (int o = 0; o < outer; ++o) {
                const float* r = dy + static_cast<size_t>(o) * channels;
                for (int c = 0; c < channels; ++c) gb[c] += r[c];
            }
            return;
        }
        for (int o = 0; o < outer; ++o)
            for (int c = 0; c < channels; ++c) {
                const float* p = dy + (static_cast<size_t>(o) * channels + c) * inner;
                float s = 0.f;
                for (int i = 0; i < inner; ++i) s += p[i];
                gb[c] += s;
            }
    }

    void activation(Activation a, const float* x, float* y, size_t n) override {
        if (a == Activation::Relu)
            for (size_t i = 0; i < n; ++i) y[i] = math::relu(x[i]);
        else
            for (size_t i = 0; i < n; ++i) y[i] = math::gelu(x[i]);
    }
    void activation_grad(Activation a, const float* x, const float* dy, float* dx, size_t n) override {
        if (a == Activation::Relu)
            for (size_t i = 0; i < n; ++i) dx[i] = math::relu_grad(x[i], dy[i]);
        else
            for (size_t i = 0; i < n; ++i) dx[i] = math::gelu_grad(x[i], dy[i]);
    }
    void dropout(const float* x, const float* keep, float scale, float* y, size_t n) override {
        for (size_t i = 0; i < n; ++i) y[i] = math::dropout(x[i], keep[i], scale);
    }
    void dropout_grad(const float* dy, const float* keep, float scale, float* dx, size_t n) override {
        for (size_t i = 0; i < n; ++i) dx[i] = math::dropout_grad(dy[i], keep[i], scale);
    }

    void im2col(const float* x, int c, int h, int w, int k, int stride, int pad, float* col) override {
        const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        for (int ch = 0; ch < c; ++ch)
            for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx) {
                    float* row = col + ((static_cast<size_t>(ch) * k + ky) * k + kx) * oh * ow;
                    const float* plane = x + static_cast<size_t>(ch) * h * w;
                    for (int oy = 0; oy < oh; ++oy) {
                        const int iy = oy * stride - pad + ky;
                        float* r = row + static_cast<size_t>(oy) * ow;
                        if (iy < 0 || iy >= h) {
                            std::fill(r, r + ow, 0.f);
                            continue;
                        }
                        for (int ox = 0; ox < ow; ++ox) {
                            const int ix = ox * stride - pad + kx;
                            r[ox] = (ix >= 0 && ix < w) ? plane[static_cast<size_t>(iy) * w + ix] : 0.f;
                        }
                    }
                }
    }

    void col2im(const float* col, int c, int h, int w, int k, int stride, int pad, float* x) override {
        const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        std::fill(x, x + static_cast<size_t>(c) * h * w, 0.f);
        for (int ch = 0; ch < c; ++ch)
            for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx) {
                    const float* row = col + ((static_cast<size_t>(ch) * k + ky) * k + kx) * oh * ow;
                    float* plane = x + static_cast<size_t>(ch) * h * w;
                    for (int oy = 0; oy < oh; ++oy) {
                        const int iy = oy * stride - pad + ky;
                        if (iy < 0 || iy >= h) continue;
                        const float* r = row + static_cast<size_t>(oy) * ow;
                        for (int ox = 0; ox < ow; ++ox) {
                            const int ix = ox * stride - pad + kx;
                            if (ix >= 0 && ix < w) plane[static_cast<size_t>(iy) * w + ix] += r[ox];
                        }
                    }
                }
    }

    void maxpool(const float* x, int planes, int h, int w, int k, int s, float* y, int32_t* arg) override {
        const int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        for (int p = 0; p < planes; ++p) {
            const float* plane = x + static_cast<size_t>(p) * h * w;
            const size_t o = static_cast<size_t>(p) * oh * ow;
            for (int oy = 0; oy < oh; ++oy)
                for (int ox = 0; ox < ow; ++ox) {
                    const size_t i = o + static_cast<size_t>(oy) * ow + ox;
                    y[i] = math::maxpool_window(plane, w, oy, ox, k, s, &arg[i]);
                }
        }
    }

    void maxpool_grad(const float* dy, const int32_t* arg, int planes, int h, int w, int k, int s,
                      float* dx) override {
        const int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        std::fill(dx, dx + static_cast<size_t>(planes) * h * w, 0.f);
        for (int p = 0; p < planes; ++p) {
            float* plane = dx + static_cast<size_t>(p) * h * w;
            const size_t o = static_cast<size_t>(p) * oh * ow;
            for (size_t i = 0; i < static_cast<size_t>(oh) * ow; ++i) plane[arg[o + i]] += dy[o + i];
        }
    }

    double softmax_xent(const float* z, const int32_t* y, int b, int classes, float* dz) override {
        double loss = 0;
        const float scale = 1.f / static_cast<float>(b);
        for (int i = 0; i < b; ++i) {
            const size_t r = static_cast<size_t>(i) * classes;
            loss += math::softmax_xent_row(z + r, classes, y[i], dz + r, scale);
        }
        return loss;
    }

    double hinge(const float* z, const int32_t* y, int b, int classes, float margin, float* dz) override {
        double loss = 0;
        const float scale = 1.f / static_cast<float>(b);
        for (int i = 0; i < b; ++i) {
            const size_t r = static_cast<size_t>(i) * classes;
            loss += math::hinge_crammer_singer_row(z + r, classes, y[i], dz + r, scale, margin);
        }
        return loss;
    }

    int64_t count_correct(const float* z, const int32_t* y, int b, int classes) override {
        int64_t n = 0;
        for (int i = 0; i < b; ++i) n += math::argmax_row(z + static_cast<size_t>(i) * classes, classes) == y[i];
        return n;
    }

    void sgd_momentum(float* w, float* v, const float* g, size_t n, float lr, float momentum,
                      float weight_decay) override {
        for (size_t i = 0; i < n; ++i) math::sgd_momentum_update(w[i], v[i], g[i], lr, momentum, weight_decay);
    }

    void adam(float* w, float* m, float* v, const float* g, size_t n, float lr, float beta1, float beta2, float eps,
              float weight_decay, int64_t step) override {
        const float c1 = 1.f - static_cast<float>(std::pow(static_cast<double>(beta1), static_cast<double>(step)));
        const float c2 = 1.f - static_cast<float>(std::pow(static_cast<double>(beta2), static_cast<double>(step)));
        for (size_t i = 0; i < n; ++i)
            math::adam_update(w[i], m[i], v[i], g[i], lr, beta1, beta2, eps, weight_decay, c1, c2);
    }

protected:
    void free_buffer(float* p, size_t n, MemoryKind kind) noexcept override {
        std::free(p);
        std::lock_guard lock(m_);
        stats_.bytes[static_cast<size_t>(kind)] -= static_cast<int64_t>(n * sizeof(float));
    }

private:
    mutable std::mutex m_;
    MemoryStats stats_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace batchscope::engine::model
