// A model as a stack of layers on a backend, with its loss and optimizer.
#include <algorithm>
#include <array>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

#include "batchscope/engine/memory_fit.h"
#include "batchscope/engine/model/model.h"

namespace batchscope::engine::model {

int64_t Model::parameter_count() const {
    int64_t n = 0;
    for (const ParamTensor& p : parameters()) n += static_cast<int64_t>(p.values.size());
    return n;
}

void Model::stage(const float*, const int32_t*, int) {
    throw std::logic_error(describe() + " on " + backend() + " does not pipeline its steps: use train_step");
}
void Model::stage(const StagedBatch& batch) {
    if (!batch.x)
        throw std::logic_error(describe() + " on " + backend() +
                               " converts no 8-bit batches on the device: convert them on the host first");
    stage(batch.x, batch.y, batch.b);  // copied before it returns: page-locked or not
}
void Model::launch(float) { stage(nullptr, nullptr, 0); }
float Model::finish() {
    stage(nullptr, nullptr, 0);
    return 0.f;
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

// On a device backend (host_memory() false) the batch and labels are copied in, the losses and
// the accuracy come back as one number each, parameters and logits go through copy_out; calls
// are serialised by a mutex. On the CPU backend the host pointers go straight to the layers.
class Network final : public Model {
public:
    Network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt, uint64_t seed,
            std::unique_ptr<Backend> backend)
        : spec_(spec), input_(input), classes_(classes), opt_(opt), be_(std::move(backend)),
          device_(!be_->host_memory()) {
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
        if (!device_) return step(x, y, b, lr);
        {
            std::lock_guard lock(dev_m_);
            if (!staged_.empty() || launched_)
                throw std::logic_error("Network::train_step: a pipelined step is under way (finish it first)");
        }
        stage(x, y, b);
        launch(lr);
        return finish();
    }
    bool last_step_device_times(int64_t& h2d_ns, int64_t& compute_ns) const override {
        return device_ && be_->step_times(h2d_ns, compute_ns);
    }

    // ---- Pipelined steps (device backends): the batch goes up through one of the backend's two
    // upload slots (each with its own device input and labels) while the step before computes.
    bool pipelined() const noexcept override { return device_ && be_->pipelined(); }
    void stage(const float* x, const int32_t* y, int b) override {
        StagedBatch batch;
        batch.x = x, batch.y = y, batch.b = b;
        stage(batch);
    }
    // A page-locked batch goes up straight from the caller's memory; any other through the slot's
    // page-locked buffer (a copy on the host, counted in host_staging_bytes()).
    void stage(const StagedBatch& batch) override {
        const float* x = batch.x;
        const int32_t* y = batch.y;
        const int b = batch.b;
        if (!pipelined()) Model::stage(x, y, b);
        const bool u8 = batch.pixels && !x;
        if (u8 && !device_collate()) Model::stage(batch);  // throws: no device collate here
        if (b <= 0 || (!x && !u8) || !y) throw std::invalid_argument("Network::stage: a batch needs rows, inputs and labels");
        std::lock_guard lock(dev_m_);
        if (staged_.size() + (launched_ ? 1 : 0) >= static_cast<size_t>(Backend::kUploadSlots))
            throw std::logic_error("Network::stage: both upload slots are taken (launch or finish a step first)");
        const int slot = next_slot_;
        const size_t nx = static_cast<size_t>(b) * static_cast<size_t>(input_.size());
        try {
            // A larger batch: the slot's buffers grow (freeing the old ones waits for the device).
            be_->ensure(slot_in_[slot], nx, MemoryKind::Activations);
            be_->ensure(slot_labels_[slot], static_cast<size_t>(b), MemoryKind::Activations);  // int32 in float slots
            // 8-bit: the bytes go to the slot's pixel buffer (floats holding bytes), converted into
            // its input when the step begins (launch).
            if (u8) be_->ensure(slot_pixels_[slot], (nx + 3) / 4, MemoryKind::Activations);
            const Backend::Upload parts[] = {
                {u8 ? static_cast<void*>(slot_pixels_[slot].data()) : slot_in_[slot].data(),
                 u8 ? static_cast<const void*>(batch.pixels) : x, nx * (u8 ? 1 : sizeof(float))},
                {slot_labels_[slot].data(), y, static_cast<size_t>(b) * sizeof(int32_t)}};
            be_->stage_upload(slot, parts, batch.page_locked);
        } catch (const DeviceOutOfMemory& e) {
            throw DeviceOutOfMemory(out_of_memory_advice(b, e.what()));
        }
        if (!batch.page_locked)
            host_staging_bytes_ += static_cast<int64_t>(nx * (u8 ? 1 : 4) + static_cast<size_t>(b) * 4);
        slot_collate_[slot] = u8;
        if (u8) {
            slot_scale_[slot] = batch.scale;
            slot_bias_[slot] = batch.bias;
        }
        next_slot_ = (next_slot_ + 1) % Backend::kUploadSlots;
        staged_.push_back({slot, b});
    }
    int64_t host_staging_bytes() const noexcept override { return host_staging_bytes_; }
    bool device_collate() const noexcept override { return pipelined() && be_->device_collate(); }
    void launch(float lr) override {
        if (!pipelined()) Model::launch(lr);
        std::lock_guard lock(dev_m_);
        if (launched_) throw std::logic_error("Network::launch: the launched step was not finished");
        if (staged_.empty()) throw std::logic_error("Network::launch: no batch staged");
        const Staged s = staged_.front();
        staged_.pop_front();
        try {
            reserve(s.b);
            be_->mark(StepMark::Begin);
            be_->wait_upload(s.slot);
            be_->mark(StepMark::InputCopied);
            if (slot_collate_[s.slot])  // an 8-bit batch: its floats made here, as the step's first work
                be_->collate_u8(slot_pixels_[s.slot].data(), s.b, input_.h * input_.w, input_.c, slot_scale_[s.slot],
                                slot_bias_[s.slot], slot_in_[s.slot].data());
            const float* x = slot_in_[s.slot].data();
            const float* logits = forward(x, s.b, true);
            if (spec_.loss() == LossKind::HingeCrammerSinger)
                be_->hinge_pending(logits, slot_labels(s.slot), s.b, classes_, spec_.margin, grad_a_.data());
            else
                be_->softmax_xent_pending(logits, slot_labels(s.slot), s.b, classes_, grad_a_.data());
            backward_and_update(x, s.b, lr);
            be_->release_slot(s.slot);
            be_->mark(StepMark::End);
            be_->queue_loss_read();
        } catch (const DeviceOutOfMemory& e) {
            be_->abandon_step();
            throw DeviceOutOfMemory(out_of_memory_advice(s.b, e.what()));
        } catch (...) {
            be_->abandon_step();
            throw;
        }
        launched_ = true;
        launched_rows_ = s.b;
    }
    float finish() override {
        if (!pipelined()) return Model::finish();
        std::lock_guard lock(dev_m_);
        if (!launched_) throw std::logic_error("Network::finish: no step launched");
        launched_ = false;
        return static_cast<float>(be_->loss_result() / launched_rows_);
    }
    void drop_staged() override {
        std::lock_guard lock(dev_m_);
        if (!staged_.empty()) be_->wait_uploads();  // the caller may reuse a dropped batch's memory
        staged_.clear();
    }

    // x, y in host memory (the CPU backend).
    float step(const float* x, const int32_t* y, int b, float lr) {
        const float* logits = forward(x, b, true);
        const double loss = spec_.loss() == LossKind::HingeCrammerSinger
                                ? be_->hinge(logits, y, b, classes_, spec_.margin, grad_a_.data())
                                : be_->softmax_xent(logits, y, b, classes_, grad_a_.data());
        backward_and_update(x, b, lr);
        return static_cast<float>(loss / b);
    }

    // The backward pass from the loss gradient in grad_a_, then the optimizer step.
    void backward_and_update(const float* x, int b, float lr) {
        float* d = grad_a_.data();
        float* other = grad_b_.data();
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
    }

    // In chunks through the serving path, so a large evaluation batch does not grow the
    // training buffers (a CNN keeps ~100k floats per sample).
    int64_t count_correct(const float* x, const int32_t* y, int b) override {
        if (device_) return device_count_correct(x, y, b);
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
        if (device_) {
            // The device path runs the training layers' forward (no dropout) on the model's own
            // device buffers, under the mutex: logically const, the parameters do not change.
            std::lock_guard lock(dev_m_);
            auto* self = const_cast<Network*>(this);
            const int chunk = self->eval_chunk();
            for (int i = 0; i < b; i += chunk) {
                const int c = std::min(chunk, b - i);
                const float* z = self->device_logits(x + static_cast<size_t>(i) * static_cast<size_t>(input_.size()), c);
                be_->copy_out(logits + static_cast<size_t>(i) * static_cast<size_t>(classes_), z,
                              static_cast<size_t>(c) * static_cast<size_t>(classes_) * sizeof(float));
            }
            return;
        }
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

    const float* device_forward(const float* x, int b) override {
        if (!device_ || b <= 0) return nullptr;
        std::lock_guard lock(dev_m_);
        try {
            if (b > serve_capacity_) {
                for (size_t l = 0; l < layers_.size(); ++l)
                    be_->ensure(outs_[l], static_cast<size_t>(b) * static_cast<size_t>(layers_[l]->out_shape().size()),
                                MemoryKind::Activations);
                serve_capacity_ = b;
            }
            const float* in = x;
            for (size_t l = 0; l < layers_.size(); ++l) {
                layers_[l]->forward(in, outs_[l].data(), b, false);
                in = outs_[l].data();
            }
            return in;
        } catch (const DeviceOutOfMemory& e) {
            // Buffers given back before the failed request are asked for again by the next call.
            serve_capacity_ = capacity_ = 0;
            throw DeviceOutOfMemory(out_of_memory_advice(b, e.what(), serve_bytes_per_sample(), true));
        }
    }

    std::vector<ParamTensor> parameters() const override {
        std::vector<ParamTensor> r;
        if (!device_) {
            for (const Param& p : params_) r.push_back({p.name, {p.value->data(), p.value->size()}});
            return r;
        }
        // Read back from the device into the host mirror (valid until the next call).
        std::lock_guard lock(dev_m_);
        mirror_.resize(params_.size());
        for (size_t k = 0; k < params_.size(); ++k) {
            const Buffer& w = *params_[k].value;
            mirror_[k].resize(w.size());
            be_->copy_out(mirror_[k].data(), w.data(), w.size() * sizeof(float));
            r.push_back({params_[k].name, {mirror_[k].data(), mirror_[k].size()}});
        }
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
        std::unique_lock<std::mutex> lock;
        if (device_) lock = std::unique_lock(dev_m_);
        be_->copy_in(w.data(), v.data(), v.size() * sizeof(float));
        for (Buffer& s : state1_) be_->zero(s.data(), s.size());
        for (Buffer& s : state2_) be_->zero(s.data(), s.size());
        step_ = 0;
    }

    ModelMemory memory() const override {
        const MemoryStats s = be_->memory();
        const auto eval_bytes = static_cast<int64_t>(
            (eval_ws_.a.capacity() + eval_ws_.b.capacity() + eval_ws_.scratch.f.capacity() +
             eval_ws_.scratch.i.capacity() + eval_logits_.capacity()) * sizeof(float));
        if (device_) {  // host memory only: the parameters read back (device_memory() has the rest)
            std::lock_guard lock(dev_m_);
            int64_t mirror = 0;
            for (const auto& m : mirror_) mirror += static_cast<int64_t>(m.capacity() * sizeof(float));
            return {mirror, 0, 0, 0, eval_bytes};
        }
        return {s.of(MemoryKind::Weights), s.of(MemoryKind::Gradients), s.of(MemoryKind::OptimizerState),
                s.of(MemoryKind::Activations), s.of(MemoryKind::Workspace) + eval_bytes};
    }

    GpuBackend* gpu_backend() noexcept override { return be_->gpu(); }
    int64_t parameter_count() const override {
        int64_t n = 0;
        for (const Param& p : params_) n += static_cast<int64_t>(p.value->size());
        return n;
    }
    bool device_memory(ModelMemory& m) const override {
        if (!device_) return false;
        const MemoryStats s = be_->memory();
        m = {s.of(MemoryKind::Weights), s.of(MemoryKind::Gradients), s.of(MemoryKind::OptimizerState),
             s.of(MemoryKind::Activations), s.of(MemoryKind::Workspace)};
        return true;
    }

    // Host bytes per sample; on a device backend they are device bytes, none on the host.
    int64_t activation_bytes_per_sample() const override { return device_ ? 0 : step_bytes_per_sample(); }

    int64_t step_bytes_per_sample() const {
        int64_t floats = 2 * static_cast<int64_t>(max_features_);  // the gradient ping-pong buffers
        for (const auto& l : layers_) floats += l->out_shape().size() + l->state_floats_per_sample();
        return floats * 4;
    }

    // Bytes of the layers' scratch for a batch of b (grows with b up to the convolutions' chunk budget).
    int64_t workspace_bytes(int b) const {
        int64_t floats = 0;
        for (const auto& l : layers_) floats += l->workspace_floats(b);
        return floats * 4;
    }
    // The largest batch whose weights, gradients and optimizer state (`fixed`), `per_sample` bytes
    // a sample and the layers' scratch at that batch fit in `budget`; 0 when not even one does.
    int largest_fitting_batch(int64_t fixed, int64_t per_sample, int64_t budget) const {
        // + the arg-max rows the GPU backend keeps per sample
        per_sample += 4;
        int hi = largest_batch_that_fits(fixed, per_sample, budget);  // without the scratch: an upper bound
        auto fits = [&](int b) { return fixed + per_sample * b + workspace_bytes(b) <= budget; };
        if (hi < 1 || fits(hi)) return hi;
        int lo = 0;  // the scratch only grows with the batch: bisect between what fits and what does not
        while (hi - lo > 1) {
            const int mid = lo + (hi - lo) / 2;
            (fits(mid) ? lo : hi) = mid;
        }
        return lo;
    }

    // ", + N KiB of convolution scratch at that batch" where the layers keep any.
    std::string scratch_text(int b) const {
        const int64_t w = workspace_bytes(b);
        return w > 0 ? std::string(" + ") + std::to_string(w / 1024) + " KiB of convolution scratch at that batch" : std::string();
    }

    // Device bytes per served sample: the input, every layer's output and what a forward pass
    // keeps (pool winners; dropout masks too, an overestimate: serving draws none).
    int64_t serve_bytes_per_sample() const {
        int64_t floats = input_.size();
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

    // Grows the per-layer outputs and the gradient ping-pong buffers (on a device backend the
    // batch's input and labels grow in upload()) to b samples (never shrinks; a live batch-size change to a
    // larger batch regrows them here).
    void reserve(int b) {
        if (b <= capacity_) return;
        for (size_t l = 0; l < layers_.size(); ++l)
            be_->ensure(outs_[l], static_cast<size_t>(b) * static_cast<size_t>(layers_[l]->out_shape().size()),
                        MemoryKind::Activations);
        be_->ensure(grad_a_, static_cast<size_t>(b) * max_features_, MemoryKind::Activations);
        be_->ensure(grad_b_, static_cast<size_t>(b) * max_features_, MemoryKind::Activations);
        capacity_ = b;
    }

    const float* forward(const float* x, int b, bool training) {
        reserve(b);
        const float* in = x;
        for (size_t l = 0; l < layers_.size(); ++l) {
            layers_[l]->forward(in, outs_[l].data(), b, training);
            in = outs_[l].data();
        }
        return in;
    }

    // ---- Device backends (device_) ----
    int32_t* labels() { return reinterpret_cast<int32_t*>(labels_.data()); }
    const int32_t* slot_labels(int slot) const { return reinterpret_cast<const int32_t*>(slot_labels_[slot].data()); }
    // Evaluation and serving: the rows go in on the compute stream (no pipelining).
    void upload(const float* x, const int32_t* y, int b) {
        be_->ensure(in_, static_cast<size_t>(b) * static_cast<size_t>(input_.size()), MemoryKind::Activations);
        be_->ensure(labels_, static_cast<size_t>(b), MemoryKind::Activations);  // int32 in float slots
        be_->copy_in(in_.data(), x, static_cast<size_t>(b) * static_cast<size_t>(input_.size()) * sizeof(float));
        if (y) be_->copy_in(labels_.data(), y, static_cast<size_t>(b) * sizeof(int32_t));
    }
    // Evaluation runs in chunks of the training batch (no regrowth), or kEvalChunk before training.
    int eval_chunk() const { return capacity_ > 0 ? capacity_ : kEvalChunk; }
    // Logits (device memory) of c host samples, forward without dropout.
    const float* device_logits(const float* x, int c) {
        reserve(c);
        upload(x, nullptr, c);
        return forward(in_.data(), c, false);
    }
    int64_t device_count_correct(const float* x, const int32_t* y, int b) {
        std::lock_guard lock(dev_m_);
        int64_t n = 0;
        const int chunk = eval_chunk();
        for (int i = 0; i < b; i += chunk) {
            const int c = std::min(chunk, b - i);
            try {
                const float* z = device_logits(x + static_cast<size_t>(i) * static_cast<size_t>(input_.size()), c);
                be_->copy_in(labels_.data(), y + i, static_cast<size_t>(c) * sizeof(int32_t));
                n += be_->count_correct(z, labels(), c, classes_);
            } catch (const DeviceOutOfMemory& e) {  // evaluation runs in pieces of the training batch
                throw DeviceOutOfMemory(out_of_memory_advice(c, e.what()));
            }
        }
        return n;
    }
    // The device's out-of-memory message with the largest batch that should fit, estimated as on
    // the host (memory_fit.h) from what the model holds and what the device can still give.
    // `per_sample`: device bytes per sample of the batch (training: + the input and label;
    // serving: serve_bytes_per_sample()).
    std::string out_of_memory_advice(int b, const std::string& what, int64_t per_sample = -1, bool serving = false) {
        const MemoryStats s = be_->memory();
        // The scratch (convolution columns) is counted at the batch tried, not as it is now.
        const int64_t fixed =
            s.of(MemoryKind::Weights) + s.of(MemoryKind::Gradients) + s.of(MemoryKind::OptimizerState);
        // Training: + the input and label of the two upload slots and of evaluation.
        if (per_sample < 0) per_sample = step_bytes_per_sample() + 3 * (input_.size() * 4 + 4);
        const int64_t avail = be_->device_available();
        std::string r = (serving ? "out of GPU memory serving a batch of " : "out of GPU memory at batch size ") +
                        std::to_string(b) + " (" + what + ")";
        if (serving) {
            if (avail < 0) return r + ": lower the maximum batch";
            const int fit = largest_fitting_batch(fixed, per_sample, (avail + s.total()) * 9 / 10);
            if (fit < 1) return r + "; even a batch of 1 does not fit on the device: serve it with --backend cpu";
            if (fit >= b) return r + ": the device's free memory should hold this batch (a pool limit, or another "
                                     "process?); lower the maximum batch";
            return r + "; the largest batch that should fit is " + std::to_string(fit) + " (estimated: " +
                   std::to_string(fixed / 1024) + " KiB of weights and other fixed buffers + " + std::to_string(per_sample / 1024) +
                   " KiB per request" + scratch_text(fit) + "): lower the maximum batch to " + std::to_string(fit);
        }
        if (avail < 0) return r + ": try a smaller batch size";
        // What the model holds now is given back and asked for again at the smaller size.
        const int64_t budget = (avail + s.total()) * 9 / 10;
        const int fit = largest_fitting_batch(fixed, per_sample, budget);
        if (fit < 1) return r + "; even batch size 1 does not fit on the device: use a smaller model";
        if (fit >= b) return r + ": the device's free memory should hold this batch (a pool limit, or another process?); "
                                 "try a smaller batch size";
        return r + "; the largest batch size that should fit is " + std::to_string(fit) + " (estimated: " +
               std::to_string(fixed / 1024) + " KiB of weights, gradients and optimizer state + " +
               std::to_string(per_sample / 1024) + " KiB per sample" + scratch_text(fit) + ", " + std::to_string(budget / (1024 * 1024)) +
               " MiB of the device usable)";
    }

    ModelSpec spec_;
    Shape input_;
    int classes_;
    OptimizerConfig opt_;
    std::unique_ptr<Backend> be_;
    bool device_;
    mutable std::mutex dev_m_;                       // device backends: one call at a time
    mutable std::vector<std::vector<float>> mirror_;  // device backends: parameters read back
    Buffer in_, labels_;                             // device backends: evaluation rows copied in
    // Device backends, pipelined steps: each upload slot's batch, the batches staged and not yet
    // launched (oldest first), the launched step's rows.
    struct Staged {
        int slot, b;
    };
    Buffer slot_in_[Backend::kUploadSlots], slot_labels_[Backend::kUploadSlots];
    // 8-bit batches: each slot's bytes, and whether (and how) its staged batch is converted.
    Buffer slot_pixels_[Backend::kUploadSlots];
    bool slot_collate_[Backend::kUploadSlots] = {};
    std::array<float, 3> slot_scale_[Backend::kUploadSlots] = {}, slot_bias_[Backend::kUploadSlots] = {};
    std::deque<Staged> staged_;
    int64_t host_staging_bytes_ = 0;  // training batches copied into the upload slots' buffers
    int next_slot_ = 0;
    bool launched_ = false;
    int launched_rows_ = 0;
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
    int serve_capacity_ = 0;  // device_forward: the batch the layer outputs hold
    int64_t step_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                    uint64_t seed, int threads) {
    return std::make_unique<Network>(spec, input, classes, opt, seed, make_cpu_backend(threads));
}

std::unique_ptr<Model> make_network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                    uint64_t seed, std::unique_ptr<Backend> backend) {
    if (!backend) throw std::invalid_argument("make_network: no backend");
    return std::make_unique<Network>(spec, input, classes, opt, seed, std::move(backend));
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
