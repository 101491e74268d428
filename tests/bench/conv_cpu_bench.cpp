// CPU convolution: im2col + GEMM per sample (the CPU backend's way) against the GPU backend's
// batched way run on the CPU (a chunk of samples unfolded at once, one GEMM per chunk, through
// Backend's host loops over elementwise_math.h's index math), same run, same thread count.
// Prints training steps per second of a CNN for each; decides whether the CPU should batch too.
//   bench_conv_cpu [--threads N] [--batch B] [--steps S] [--model SPEC]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "batchscope/engine/model/backend.h"
#include "batchscope/engine/model/gpu_model.h"
#include "batchscope/engine/model/model.h"

namespace em = batchscope::engine::model;

namespace {

// The CPU backend, except that convolutions are batched in chunks of `chunk` floats.
class BatchedCpu final : public em::Backend {
public:
    BatchedCpu(int threads, size_t chunk) : in_(em::make_cpu_backend(threads)), chunk_(chunk) {}
    std::string name() const override { return in_->name() + ", batched convolution"; }
    void set_threads(int n) override { in_->set_threads(n); }
    em::Buffer allocate(size_t n, em::MemoryKind k) override { return in_->allocate(n, k); }
    em::MemoryStats memory() const override { return in_->memory(); }
    void copy(float* d, const float* s, size_t n) override { in_->copy(d, s, n); }
    size_t conv_chunk_floats() const noexcept override { return chunk_; }
    void gemm(em::Transpose ta, em::Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
              const float* b, int ldb, float beta, float* c, int ldc) override {
        in_->gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    void add_bias(float* y, const float* b, int o, int c, int i) override { in_->add_bias(y, b, o, c, i); }
    void bias_grad(const float* dy, int o, int c, int i, float* gb) override { in_->bias_grad(dy, o, c, i, gb); }
    void activation(em::Activation a, const float* x, float* y, size_t n) override { in_->activation(a, x, y, n); }
    void activation_grad(em::Activation a, const float* x, const float* dy, float* dx, size_t n) override {
        in_->activation_grad(a, x, dy, dx, n);
    }
    void dropout(const float* x, const float* k, float s, float* y, size_t n) override { in_->dropout(x, k, s, y, n); }
    void dropout_grad(const float* dy, const float* k, float s, float* dx, size_t n) override {
        in_->dropout_grad(dy, k, s, dx, n);
    }
    void im2col(const float* x, int c, int h, int w, int k, int s, int p, float* col) override {
        in_->im2col(x, c, h, w, k, s, p, col);
    }
    void col2im(const float* col, int c, int h, int w, int k, int s, int p, float* x) override {
        in_->col2im(col, c, h, w, k, s, p, x);
    }
    void maxpool(const float* x, int pl, int h, int w, int k, int s, float* y, int32_t* arg) override {
        in_->maxpool(x, pl, h, w, k, s, y, arg);
    }
    void maxpool_grad(const float* dy, const int32_t* arg, int pl, int h, int w, int k, int s, float* dx) override {
        in_->maxpool_grad(dy, arg, pl, h, w, k, s, dx);
    }
    double softmax_xent(const float* z, const int32_t* y, int b, int c, float* dz) override {
        return in_->softmax_xent(z, y, b, c, dz);
    }
    double hinge(const float* z, const int32_t* y, int b, int c, float m, float* dz) override {
        return in_->hinge(z, y, b, c, m, dz);
    }
    int64_t count_correct(const float* z, const int32_t* y, int b, int c) override {
        return in_->count_correct(z, y, b, c);
    }
    void sgd_momentum(float* w, float* v, const float* g, size_t n, float lr, float mu, float wd) override {
        in_->sgd_momentum(w, v, g, n, lr, mu, wd);
    }
    void adam(float* w, float* m, float* v, const float* g, size_t n, float lr, float b1, float b2, float eps,
              float wd, int64_t t) override {
        in_->adam(w, m, v, g, n, lr, b1, b2, eps, wd, t);
    }

protected:
    void free_buffer(float*, size_t, em::MemoryKind) noexcept override {}  // buffers belong to in_

private:
    std::unique_ptr<em::Backend> in_;
    size_t chunk_;
};

double steps_per_s(em::Model& m, const std::vector<float>& x, const std::vector<int32_t>& y, int b, int steps) {
    m.train_step(x.data(), y.data(), b, 0.01f);  // warm-up: buffers
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) m.train_step(x.data(), y.data(), b, 0.01f);
    return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 2, batch = 64, steps = 10;
    std::string spec = "cnn:32,64:fc=128";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--threads") threads = std::atoi(argv[i + 1]);
        else if (a == "--batch") batch = std::atoi(argv[i + 1]);
        else if (a == "--steps") steps = std::atoi(argv[i + 1]);
        else if (a == "--model") spec = argv[i + 1];
        else {
            std::fprintf(stderr, "unknown option %s (--threads N --batch B --steps S --model SPEC)\n", a.c_str());
            return 2;
        }
    }
    if (threads < 1 || batch < 1 || steps < 1) {
        std::fprintf(stderr, "--threads, --batch and --steps must be positive\n");
        return 2;
    }
    const em::Shape in{1, 28, 28};
    std::vector<float> x(static_cast<size_t>(batch) * 784);
    std::vector<int32_t> y(static_cast<size_t>(batch));
    std::mt19937 rng(1);
    for (float& v : x) v = static_cast<float>(rng() % 256) / 255.f;
    for (int32_t& v : y) v = static_cast<int32_t>(rng() % 10);
    const em::ModelSpec s = em::parse_model_spec(spec);
    // Alternate the two, three rounds each, so a noisy neighbour hits both alike.
    for (int round = 0; round < 3; ++round) {
        auto per_sample = em::make_network(s, in, 10, {}, 1, em::make_cpu_backend(threads));
        auto batched = em::make_network(s, in, 10, {}, 1, std::make_unique<BatchedCpu>(threads, em::kConvChunkFloats));
        const double a = steps_per_s(*per_sample, x, y, batch, steps);
        const double b = steps_per_s(*batched, x, y, batch, steps);
        std::printf("%s batch %d, %d threads: per-sample im2col %.2f steps/s (%.0f samples/s), batched %.2f steps/s "
                    "(%.0f samples/s): batched/per-sample %.2fx\n",
                    spec.c_str(), batch, threads, a, a * batch, b, b * batch, b / a);
    }
    return 0;
}
