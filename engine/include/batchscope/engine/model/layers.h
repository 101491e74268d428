#pragma once
// The layers a model is stacked from. Each works on a batch of b samples laid out row-major,
// one sample after another; a sample of an image layer is c x h x w (channels first).
// Training forward/backward keep their state in backend buffers; infer() is const and uses the
// caller's scratch, so one model can serve from many threads.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "batchscope/engine/model/backend.h"

namespace batchscope::engine::model {

struct Shape {
    int c = 1, h = 1, w = 1;
    int64_t size() const noexcept { return int64_t{c} * h * w; }
    friend bool operator==(const Shape&, const Shape&) = default;
};
std::string to_string(const Shape& s);  // "1x28x28" or "256"

// A trainable tensor and its gradient (both backend buffers).
struct Param {
    std::string name;  // "0.weight", "0.bias" (layer index in the stack, then what)
    Buffer* value = nullptr;
    Buffer* grad = nullptr;
};

// Per-thread scratch for serving.
struct Scratch {
    std::vector<float> f;
    std::vector<int32_t> i;
};

class Layer {
public:
    Layer(Backend& be, Shape in, Shape out) : be_(be), in_(in), out_(out) {}
    virtual ~Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;

    virtual std::string describe() const = 0;  // "Linear(784, 256)"
    Shape in_shape() const noexcept { return in_; }
    Shape out_shape() const noexcept { return out_; }

    // y (b x out) from x (b x in), keeping what backward needs (dropout masks, pool winners).
    virtual void forward(const float* x, float* y, int b, bool training) = 0;
    // Parameter gradients (overwritten, batch-summed dy) and, unless dx is null, dLoss/dx.
    // x and y are this batch's forward input and output.
    virtual void backward(const float* x, const float* y, const float* dy, float* dx, int b) = 0;
    // Serving forward (no dropout), const.
    virtual void infer(const float* x, float* y, int b, Scratch& s) const = 0;
    virtual std::vector<Param> params() { return {}; }
    // Multiply-adds per sample of the forward pass.
    virtual int64_t forward_macs() const { return 0; }
    // Floats per sample that training keeps besides the output (dropout masks, pool winners).
    virtual int64_t state_floats_per_sample() const { return 0; }
    // Floats of scratch the layer holds for a batch of b (a convolution's columns; on the GPU
    // they grow with the batch up to the backend's chunk budget).
    virtual int64_t workspace_floats(int /*b*/) const { return 0; }

protected:
    Backend& be_;
    Shape in_, out_;
};

// PyTorch's default init of w then b, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn on the host from
// `rng` and copied into the backend's buffers.
void uniform_init(Backend& be, Buffer& w, Buffer& b, int fan_in, std::mt19937_64& rng);

// y = x W^T + b; W is [out x in] (PyTorch's layout and nn.Linear's uniform init).
class Linear final : public Layer {
public:
    Linear(Backend& be, int in, int out, std::mt19937_64& rng);
    std::string describe() const override;
    void forward(const float* x, float* y, int b, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int b) override;
    void infer(const float* x, float* y, int b, Scratch& s) const override;
    std::vector<Param> params() override { return {{"weight", &w_, &gw_}, {"bias", &b_, &gb_}}; }
    int64_t forward_macs() const override { return in_.size() * out_.size(); }

private:
    Buffer w_, b_, gw_, gb_;
};

class ActivationLayer final : public Layer {
public:
    ActivationLayer(Backend& be, Shape s, Activation a) : Layer(be, s, s), a_(a) {}
    std::string describe() const override { return a_ == Activation::Relu ? "ReLU" : "GELU"; }
    void forward(const float* x, float* y, int b, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int b) override;
    void infer(const float* x, float* y, int b, Scratch& s) const override;

private:
    Activation a_;
};

// Inverted dropout: in training each element is kept with probability 1 - p and scaled by
// 1 / (1 - p); serving passes x through. The masks come from a seeded generator (deterministic).
class Dropout final : public Layer {
public:
    Dropout(Backend& be, Shape s, float p, uint64_t seed);
    std::string describe() const override;
    void forward(const float* x, float* y, int b, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int b) override;
    void infer(const float* x, float* y, int b, Scratch& s) const override;
    int64_t state_floats_per_sample() const override { return out_.size(); }

private:
    float p_;
    std::mt19937_64 rng_;
    Buffer keep_;
    std::vector<float> host_keep_;  // device backends: the mask drawn on the host, then uploaded
    bool trained_ = false;  // the last forward applied a mask
};

// Reshapes c x h x w to c*h*w features (a copy on the CPU).
class Flatten final : public Layer {
public:
    Flatten(Backend& be, Shape in) : Layer(be, in, Shape{1, 1, static_cast<int>(in.size())}) {}
    std::string describe() const override { return "Flatten"; }
    void forward(const float* x, float* y, int b, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int b) override;
    void infer(const float* x, float* y, int b, Scratch& s) const override;
};

// k x k convolution, stride 1, zero padding `pad`, by im2col + GEMM: per sample on the CPU; on a
// backend with conv_chunk_floats() (the GPU) a chunk of samples is unfolded at once and each of
// forward, weight gradient and input gradient is ONE GEMM per chunk (chunks bounded in memory).
// W is [out_c x in_c * k * k]; PyTorch's Conv2d init (uniform, bound 1/sqrt(in_c * k * k)).
class Conv2d final : public Layer {
public:
    Conv2d(Backend& be, Shape in, int out_channels, int k, int pad, std::mt19937_64& rng);
    std::string describe() const override;
    void forward(const float* x, float* y, int b, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int b) override;
    void infer(const float* x, float* y, int b, Scratch& s) const override;
    std::vector<Param> params() override { return {{"weight", &w_, &gw_}, {"bias", &b_, &gb_}}; }
    int64_t forward_macs() const override { return int64_t{out_.c} * ckk() * out_.h * out_.w; }
    int64_t workspace_floats(int b) const override;

private:
    int ckk() const noexcept { return in_.c * k_ * k_; }
    void run(const float* x, float* y, int b, float* col) const;
    // Batched: samples per chunk for a batch of b (its columns and GEMM output within the budget),
    // and the workspace grown to hold one chunk.
    int chunk_samples(int b) const;
    void reserve_chunk(int nb);
    void forward_batched(const float* x, float* y, int b);
    void backward_batched(const float* x, const float* dy, float* dx, int b);
    int k_, pad_;
    Buffer w_, b_, gw_, gb_, col_;
    Buffer tmp_;  // batched: a chunk's GEMM output [out_c][n*oh*ow], or its dy transposed
};

// k x k max pooling with stride k (no padding; a remainder row/column is dropped).
class MaxPool2d final : public Layer {
public:
    MaxPool2d(Backend& be, Shape in, int k);
    std::string describe() const override;
    void forward(const float* x, float* y, int b, bool training) override;
    void backward(const float* x, const float* y, const float* dy, float* dx, int b) override;
    void infer(const float* x, float* y, int b, Scratch& s) const override;
    int64_t state_floats_per_sample() const override { return out_.size(); }

private:
    int k_;
    Buffer arg_;  // int32 winners, stored in a float-sized buffer
};

}  // namespace batchscope::engine::model
