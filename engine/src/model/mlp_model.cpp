// The tuned Mlp class (ReLU, softmax cross-entropy, SGD-momentum) behind the Model interface.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "batchscope/engine/model/model.h"
#include "mlp_parts.h"

namespace batchscope::engine::model {
namespace {

class MlpModel final : public Model {
public:
    MlpModel(Mlp m, Shape input, float momentum) : mlp_(std::move(m)), input_(input), momentum_(momentum) {
        if (input.size() != mlp_.widths().front())
            throw std::invalid_argument(std::string("the MLP's ") + std::to_string(mlp_.widths().front()) +
                                        std::string(" inputs do not match a ") + to_string(input) + " input");
        spec_.kind = ModelKind::Mlp;
        spec_.widths.assign(mlp_.widths().begin() + 1, mlp_.widths().end() - 1);
        if (spec_.widths.empty()) spec_.kind = ModelKind::LogReg;  // a single Linear is softmax regression
    }

    const ModelSpec& spec() const noexcept override { return spec_; }
    std::string describe() const override { return mlp_describe(mlp_, spec_.kind == ModelKind::LogReg); }
    std::string layers() const override { return mlp_layers(mlp_); }
    Shape input_shape() const noexcept override { return input_; }
    int classes() const noexcept override { return mlp_.widths().back(); }
    std::string backend() const override { return std::string("CPU, ") + blas_description(); }

    float train_step(const float* x, const int32_t* y, int b, float lr) override {
        return mlp_.train_step(x, y, b, lr, momentum_);
    }
    int64_t count_correct(const float* x, const int32_t* y, int b) override { return mlp_.count_correct(x, y, b); }
    void predict(const float* x, int b, float* logits, InferWorkspace& ws) const override {
        mlp_.predict(x, b, logits, ws.mlp);
    }

    std::vector<ParamTensor> parameters() const override { return mlp_parameters(mlp_); }
    void set_parameter(size_t i, std::span<const float> v) override { mlp_set_parameter(mlp_, i, v); }

    ModelMemory memory() const override {
        const int64_t p = mlp_.parameter_count() * 4;
        int64_t acts = 0;
        for (size_t l = 1; l < mlp_.widths().size(); ++l) acts += mlp_.widths()[l];
        return {p, p, p, acts * 2 * 4 * mlp_.capacity(), 0};  // activations and their gradients
    }
    int64_t flops_per_train_sample() const override { return mlp_.flops_per_train_sample(); }
    int64_t activation_bytes_per_sample() const override {
        int64_t acts = 0;
        for (size_t l = 1; l < mlp_.widths().size(); ++l) acts += mlp_.widths()[l];
        return acts * 2 * 4;  // activations and their gradients
    }

private:
    Mlp mlp_;
    Shape input_;
    float momentum_;
    ModelSpec spec_;
};

}  // namespace

std::string mlp_describe(const Mlp& m, bool logreg) {
    const auto& w = m.widths();
    if (logreg)
        return std::string("logistic regression ") + std::to_string(w.front()) + std::string("-") + std::to_string(w.back());
    std::string r = "MLP";
    for (size_t i = 0; i < w.size(); ++i) {
        r += i ? '-' : ' ';
        r += std::to_string(w[i]);
    }
    return r + " (ReLU)";
}

std::string mlp_layers(const Mlp& m) {
    std::string r;
    const auto& w = m.widths();
    for (size_t l = 0; l + 1 < w.size(); ++l) {
        r += std::string("Linear(") + std::to_string(w[l]) + std::string(", ") + std::to_string(w[l + 1]) + std::string(") -> ") + std::to_string(w[l + 1]) + "\n";
        if (l + 2 < w.size()) r += std::string("ReLU -> ") + std::to_string(w[l + 1]) + "\n";
    }
    return r;
}

std::vector<ParamTensor> mlp_parameters(const Mlp& m) {
    std::vector<ParamTensor> r;
    for (size_t l = 0; l < m.layer_count(); ++l) {
        const std::string idx = std::to_string(2 * l);  // the Network's names: Linear, ReLU, Linear, ...
        r.push_back({idx + ".weight", m.layer_weights(l)});
        r.push_back({idx + ".bias", m.layer_biases(l)});
    }
    return r;
}

void mlp_set_parameter(Mlp& m, size_t i, std::span<const float> v) {
    const size_t l = i / 2;
    if (l >= m.layer_count())
        throw std::invalid_argument(std::string("the model has ") + std::to_string(2 * m.layer_count()) +
                                    std::string(" parameter tensors, not ") + std::to_string(i + 1));
    const auto w = m.layer_weights(l);
    const auto b = m.layer_biases(l);
    std::vector<float> wv(w.begin(), w.end()), bv(b.begin(), b.end());
    auto& target = i % 2 == 0 ? wv : bv;
    if (v.size() != target.size())
        throw std::invalid_argument(std::string("parameter ") + std::to_string(2 * l) + (i % 2 ? ".bias" : ".weight") +
                                    std::string(" holds ") + std::to_string(target.size()) + " values, not " +
                                    std::to_string(v.size()));
    std::copy(v.begin(), v.end(), target.begin());
    m.set_layer(l, wv, bv);
}

std::unique_ptr<Model> wrap_mlp(Mlp mlp, Shape input, float momentum) {
    return std::make_unique<MlpModel>(std::move(mlp), input, momentum);
}

}  // namespace batchscope::engine::model
