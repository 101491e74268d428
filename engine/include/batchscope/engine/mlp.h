#pragma once
// A multi-layer perceptron (ReLU hidden layers, softmax cross-entropy) trained with SGD and
// momentum on the CPU: OpenBLAS GEMMs plus plain loops. Weights are [out x in] as in PyTorch.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace batchscope::engine {

class Mlp {
public:
    // widths = {inputs, hidden..., classes}; PyTorch's nn.Linear initialisation, seeded.
    Mlp(std::vector<int> widths, uint64_t seed);

    // One forward + backward + SGD-momentum step on a batch (x: b x inputs, row-major).
    // Returns the batch's mean cross-entropy loss.
    float train_step(const float* x, const int32_t* y, int b, float lr, float momentum);

    // Forward only; returns how many of the b samples are classified correctly.
    int64_t count_correct(const float* x, const int32_t* y, int b);

    // Serving: the logits (b x classes, row-major) of x into `logits`. Const: the training state
    // is untouched, so a model can serve from any thread that brings its own workspace.
    struct Workspace {
        std::vector<float> a, b;  // hidden activations, ping-pong
    };
    void predict(const float* x, int b, float* logits, Workspace& ws) const;

    // Parameters of layer l (0 = the first Linear): weights [out x in] row-major, biases [out].
    size_t layer_count() const noexcept { return layers_.size(); }
    std::span<const float> layer_weights(size_t l) const { return layers_.at(l).w; }
    std::span<const float> layer_biases(size_t l) const { return layers_.at(l).b; }
    // Replaces layer l's parameters (a checkpoint being loaded); momentum is reset to zero.
    // Throws std::invalid_argument when a size does not match.
    void set_layer(size_t l, std::span<const float> w, std::span<const float> b);

    const std::vector<int>& widths() const noexcept { return widths_; }
    int64_t parameter_count() const noexcept;
    int64_t flops_per_train_sample() const noexcept;  // multiply-adds x2, forward + backward
    int capacity() const noexcept { return capacity_; }

private:
    struct Layer {
        int in = 0, out = 0;
        std::vector<float> w, b, gw, gb, vw, vb;
    };
    void ensure_capacity(int b);  // grows activation buffers; never shrinks
    const float* forward(const float* x, int b);

    std::vector<int> widths_;
    std::vector<Layer> layers_;
    std::vector<std::vector<float>> act_;   // act_[l] = output of layer l (b x out)
    std::vector<std::vector<float>> grad_;  // grad_[l] = dLoss/d(pre-activation of layer l)
    int capacity_ = 0;
};

// Sets the number of threads the BLAS uses (OpenBLAS).
void set_blas_threads(int n);
// "OpenBLAS 0.3.21 (Haswell, pthreads)" or similar.
const char* blas_description();

}  // namespace batchscope::engine
