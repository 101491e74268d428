// A model as a stack of layers on a backend, with its loss and optimizer.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "batchscope/engine/model/model.h"

namespace batchscope::engine::model {

int64_t Model::parameter_count() const {
    int64_t n = 0;
    for (const ParamTensor& p : parameters()) n += static_cast<int64_t>(p.values.size());
    return n;
}

namespace {

const char* act_name(Activation a) { return a == Activation::Relu ? "ReLU" : "GELU"; }

std::string describe_spec(const ModelSpec& s, Shape in, int classes) {
    const std::string features = std::to_string(in.size());
    switch (s.kind) {
        case ModelKind::LogReg: return "logistic regression " + features + std::string("-") + std::to_string(classes);
        case ModelKind::Svm:
            return "linear SVM " + features + std::string("-") + std::to_string(classes) + " (Crammer-Singer hinge)";
        case ModelKind::Mlp: {
            std::string r = "MLP " + features;
            for (int w : s.widths) r += std::string("-") + std::to_string(w);
            r += std::string("-") + std::to_string(classes) + " (" + act_name(s.activation);
            if (s.dropout > 0.f) r += std::string(", dropout ") + std::to_string(s.dropout).substr(0, 4);
            return r + ")";
        }
        case ModelKind::Cnn: {
            std::string r = std::string("CNN ") + to_string(in) + " conv";
            for (size_t i = 0; i < s.widths.size(); ++i) r += std::string(i ? "," : " ") + std::to_string(s.widths[i]);
            if (s.fc > 0) r += std::string(" fc ") + std::to_string(s.fc);
            r += std::string(" -") + std::to_string(classes) + " (" + act_name(s.activation);
            if (s.dropout > 0.f) r += std::string(", dropout ") + std::to_string(s.dropout).substr(0, 4);
            return r + ")";
        }
    }
    return "?";
}

class Network final : public Model {
public:
    Network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt, uint64_t seed, int threads)
        : spec_(spec), input_(input), classes_(classes), opt_(opt), be_(make_cpu_backend(threads)) {
        if (classes < 2) throw std::invalid_argument("a classifier needs at least 2 classes");
        if (input.c < 1 || input.h < 1 || input.w < 1) throw std::invalid_argument("the input shape must be positive");
        build(seed);
        for (size_t l = 0; l < layers_.size(); ++l)
            for (Param p : layers_[l]->params()) {
                p.name = std::to_string(l) + "." + p.name;
                params_.push_back(p);
                state1_.push_back(be_->allocate(p.value->size(), MemoryKind::OptimizerState));
                if (opt_.kind == OptimizerKind::Adam)
                    state2_.push_back(be_->allocate(p.value->size(), MemoryKind::OptimizerState));
            }
        outs_.resize(layers_.size());
    }

    const ModelSpec& spec() const noexcept override { return spec_; }
    std::string describe() const override { return describe_spec(spec_, input_, classes_); }
    std::string layers() const override {
        std::string r;
        for (const auto& l : layers_) r += l->describe() + std::string(" -> ") + to_string(l->out_shape()) + "\n";
        return r;
    }
    Shape input_shape() const noexcept override { return input_; }
    int classes() const noexcept override { return classes_; }
    std::string backend() const override { return be_->name(); }

    float train_step(const float* x, const int32_t* y, int b, float lr) override {
        if (b <= 0) return 0.f;
        const float* logits = forward(x, b);
        float* d = grad_a_.data();
        float* other = grad_b_.data();
        const double loss = spec_.loss() == LossKind::HingeCrammerSinger
                                ? be_->hinge(logits, y, b, classes_, spec_.margin, d)
                                : be_->softmax_xent(logits, y, b, classes_, d);
        for (size_t l = layers_.size(); l-- > 0;) {
            const float* in = l == 0 ? x : outs_[l - 1].data();
            layers_[l]->backward(in, outs_[l].data(), d, l == 0 ? nullptr : other, b);
            std::swap(d, other);
        }
        ++step_;
        for (size_t k = 0; k < params_.size(); ++k) {
            Buffer& w = *params_[k].value;
            const Buffer& g = *params_[k].grad;
            if (opt_.kind == OptimizerKind::Sgd)
                be_->sgd_momentum(w.data(), state1_[k].data(), g.data(), w.size(), lr, opt_.momentum,
                                  opt_.weight_decay);
            else
                be_->adam(w.data(), state1_[k].data(), state2_[k].data(), g.data(), w.size(), lr, opt_.beta1,
                          opt_.beta2, opt_.eps, opt_.weight_decay, step_);
        }
        return static_cast<float>(loss / b);
    }

    // In chunks through the serving path, so a large evaluation batch does not grow the
    // training buffers (a CNN keeps ~100k floats per sample).
    int64_t count_correct(const float* x, const int32_t* y, int b) override {
        int64_t n = 0;
        const size_t in = static_cast<size_t>(input_.size());
        if (eval_logits_.size() < static_cast<size_t>(kEvalChunk * classes_))
            eval_logits_.resize(static_cast<size_t>(kEvalChunk * classes_));
        for (int i = 0; i < b; i += kEvalChunk) {
            const int c = std::min(kEvalChunk, b - i);
            predict(x + static_cast<size_t>(i) * in, c, eval_logits_.data(), eval_ws_);
            n += be_->count_correct(eval_logits_.data(), y + i, c, classes_);
        }
        return n;
    }

    void predict(const float* x, int b, float* logits, InferWorkspace& ws) const override {
        if (b <= 0) return;
        const size_t need = static_cast<size_t>(b) * max_features_;
        if (ws.a.size() < need) ws.a.resize(need);
        if (ws.b.size() < need) ws.b.resize(need);
        const float* in = x;
        for (size_t l = 0; l < layers_.size(); ++l) {
            float* out = l + 1 == layers_.size() ? logits : (l % 2 == 0 ? ws.a.data() : ws.b.data());
            layers_[l]->infer(in, out, b, ws.scratch);
            in = out;
        }
    }

    std::vector<ParamTensor> parameters() const override {
        std::vector<ParamTensor> r;
        for (const Param& p : params_) r.push_back({p.name, {p.value->data(), p.value->size()}});
        return r;
    }

    void set_parameter(size_t i, std::span<const float> v) override {
        if (i >= params_.size())
            throw std::invalid_argument(std::string("the model has ") + std::to_string(params_.size()) + " parameter tensors, not " +
                                        std::to_string(i + 1));
        Buffer& w = *params_[i].value;
        if (v.size() != w.size())
            throw std::invalid_argument("parameter " + params_[i].name + std::string(" holds ") + std::to_string(w.size()) +
                                        std::string(" values, not ") + std::to_string(v.size()));
        std::copy(v.begin(), v.end(), w.data());
        for (Buffer& s : state1_) std::fill(s.data(), s.data() + s.size(), 0.f);
        for (Buffer& s : state2_) std::fill(s.data(), s.data() + s.size(), 0.f);
        step_ = 0;
    }

    ModelMemory memory() const override {
        const MemoryStats s = be_->memory();
        const auto eval_bytes = static_cast<int64_t>(
            (eval_ws_.a.capacity() + eval_ws_.b.capacity() + eval_ws_.scratch.f.capacity() +
             eval_ws_.scratch.i.capacity() + eval_logits_.capacity()) * sizeof(float));
        return {s.of(MemoryKind::Weights), s.of(MemoryKind::Gradients), s.of(MemoryKind::OptimizerState),
                s.of(MemoryKind::Activations), s.of(MemoryKind::Workspace) + eval_bytes};
    }

    int64_t activation_bytes_per_sample() const override {
        int64_t floats = 2 * static_cast<int64_t>(max_features_);  // the gradient ping-pong buffers
        for (const auto& l : layers_) floats += l->out_shape().size() + l->state_floats_per_sample();
        return floats * 4;
    }

    int64_t flops_per_train_sample() const override {
        int64_t f = 0;
        bool first = true;
        for (const auto& l : layers_) {
            const int64_t mac = l->forward_macs();
            if (mac == 0) continue;
            f += 2 * mac * (first ? 2 : 3);  // forward, weight grad, input grad (not for the first)
            first = false;
        }
        return f;
    }

private:
    void build(uint64_t seed) {
        std::mt19937_64 rng(seed);
        Backend& be = *be_;
        auto shape = [&] { return layers_.empty() ? input_ : layers_.back()->out_shape(); };
        auto flat = [&] { return static_cast<int>(shape().size()); };
        auto dropout = [&] {
            if (spec_.dropout > 0.f)
                layers_.push_back(std::make_unique<Dropout>(be, shape(), spec_.dropout,
                                                            seed ^ (0x9E3779B97F4A7C15ull * (layers_.size() + 1))));
        };
        switch (spec_.kind) {
            case ModelKind::LogReg:
            case ModelKind::Svm: break;
            case ModelKind::Mlp:
                for (int w : spec_.widths) {
                    layers_.push_back(std::make_unique<Linear>(be, flat(), w, rng));
                    layers_.push_back(std::make_unique<ActivationLayer>(be, shape(), spec_.activation));
                    dropout();
                }
                break;
            case ModelKind::Cnn:
                for (int c : spec_.widths) {
                    if (shape().h < 2 || shape().w < 2)
                        throw std::invalid_argument(std::string("model ") + spec_.canonical() + ": " +
                                                    std::to_string(spec_.widths.size()) + " conv blocks pool a " +
                                                    to_string(input_) + " input below 1x1; use fewer");
                    layers_.push_back(std::make_unique<Conv2d>(be, shape(), c, 3, 1, rng));
                    layers_.push_back(std::make_unique<ActivationLayer>(be, shape(), spec_.activation));
                    layers_.push_back(std::make_unique<MaxPool2d>(be, shape(), 2));
                }
                layers_.push_back(std::make_unique<Flatten>(be, shape()));
                if (spec_.fc > 0) {
                    layers_.push_back(std::make_unique<Linear>(be, flat(), spec_.fc, rng));
                    layers_.push_back(std::make_unique<ActivationLayer>(be, shape(), spec_.activation));
                    dropout();
                }
                break;
        }
        layers_.push_back(std::make_unique<Linear>(be, flat(), classes_, rng));
        max_features_ = static_cast<size_t>(input_.size());
        for (const auto& l : layers_) max_features_ = std::max(max_features_, static_cast<size_t>(l->out_shape().size()));
    }

    // Grows the per-layer outputs and the gradient ping-pong buffers to b samples (never shrinks;
    // a live batch-size change to a larger batch regrows them here).
    void reserve(int b) {
        if (b <= capacity_) return;
        for (size_t l = 0; l < layers_.size(); ++l)
            be_->ensure(outs_[l], static_cast<size_t>(b) * static_cast<size_t>(layers_[l]->out_shape().size()),
                        MemoryKind::Activations);
        be_->ensure(grad_a_, static_cast<size_t>(b) * max_features_, MemoryKind::Activations);
        be_->ensure(grad_b_, static_cast<size_t>(b) * max_features_, MemoryKind::Activations);
        capacity_ = b;
    }

    const float* forward(const float* x, int b) {
        reserve(b);
        const float* in = x;
        for (size_t l = 0; l < layers_.size(); ++l) {
            layers_[l]->forward(in, outs_[l].data(), b, true);
            in = outs_[l].data();
        }
        return in;
    }

    ModelSpec spec_;
    Shape input_;
    int classes_;
    OptimizerConfig opt_;
    std::unique_ptr<Backend> be_;
    std::vector<std::unique_ptr<Layer>> layers_;
    std::vector<Buffer> outs_;
    Buffer grad_a_, grad_b_;
    std::vector<Param> params_;
    std::vector<Buffer> state1_, state2_;  // SGD: momentum; Adam: first and second moments
    static constexpr int kEvalChunk = 128;
    InferWorkspace eval_ws_;  // evaluation (count_correct) buffers
    std::vector<float> eval_logits_;
    size_t max_features_ = 0;
    int capacity_ = 0;
    int64_t step_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                    uint64_t seed, int threads) {
    return std::make_unique<Network>(spec, input, classes, opt, seed, threads);
}

std::unique_ptr<Model> make_model(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                  uint64_t seed, int threads) {
    const bool fast = spec.kind == ModelKind::Mlp && spec.activation == Activation::Relu && spec.dropout == 0.f &&
                      opt.kind == OptimizerKind::Sgd && opt.weight_decay == 0.f;
    if (fast) {
        set_blas_threads(threads);
        std::vector<int> widths{static_cast<int>(input.size())};
        widths.insert(widths.end(), spec.widths.begin(), spec.widths.end());
        widths.push_back(classes);
        if (classes < 2) throw std::invalid_argument("a classifier needs at least 2 classes");
        return wrap_mlp(Mlp(std::move(widths), seed), input, opt.momentum);
    }
    return make_network(spec, input, classes, opt, seed, threads);
}

}  // namespace batchscope::engine::model
