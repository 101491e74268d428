// The GPU-trained MLP behind the Model interface: GpuMlp does the steps on the device; a host
// Mlp mirrors the parameters for checkpoints and serving, refreshed from the device on demand.
#include <algorithm>
#include <deque>
#include <mutex>
#include <stdexcept>

#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/memory_fit.h"
#include "batchscope/engine/model/gpu_model.h"
#include "mlp_parts.h"

namespace batchscope::engine::model {
namespace {

class GpuMlpModel final : public Model {
public:
    GpuMlpModel(std::unique_ptr<GpuBackend> gpu, Mlp host, ModelSpec spec, Shape input, float momentum, int batch)
        : gpu_(std::move(gpu)), host_(std::move(host)), spec_(std::move(spec)), input_(input), momentum_(momentum) {
        regrow(batch);
    }

    const ModelSpec& spec() const noexcept override { return spec_; }
    std::string describe() const override { return mlp_describe(host_, spec_.kind == ModelKind::LogReg); }
    std::string layers() const override { return mlp_layers(host_); }
    Shape input_shape() const noexcept override { return input_; }
    int classes() const noexcept override { return host_.widths().back(); }
    std::string backend() const override {
        const GpuProbeResult& p = gpu_->probe();
        return std::string("CUDA, ") + (p.device_name.empty() ? "device" : p.device_name) + (gpu_->tf32() ? ", TF32" : ", FP32");
    }

    float train_step(const float* x, const int32_t* y, int b, float lr) override {
        if (!staged_.empty() || launched_ >= 0)
            throw std::logic_error("GpuMlpModel::train_step: a pipelined step is under way (finish it first)");
        stage(x, y, b);
        launch(lr);
        return finish();
    }
    // Pipelined: GpuMlp's two slots. A batch larger than the buffers first lets the launched step
    // finish on the buffers it started on (its loss kept for finish()), then regrows them.
    bool pipelined() const noexcept override { return true; }
    void stage(const float* x, const int32_t* y, int b) override {
        StagedBatch batch;
        batch.x = x, batch.y = y, batch.b = b;
        stage(batch);
    }
    // Page-locked batches go up straight from the caller's memory, others through a slot's
    // page-locked buffer (a host copy, counted); 8-bit ones are converted on the device.
    void stage(const StagedBatch& batch) override {
        const int b = batch.b;
        if (b <= 0 || (!batch.x && !batch.pixels) || !batch.y)
            throw std::invalid_argument("GpuMlpModel::stage: a batch needs rows, inputs and labels");
        if (staged_.size() + (launched_ >= 0 ? 1 : 0) >= static_cast<size_t>(GpuMlp::kSlots))
            throw std::logic_error("GpuMlpModel::stage: both slots are taken (launch or finish a step first)");
        if (b > dev_->max_batch()) {
            if (!staged_.empty())
                throw std::logic_error("GpuMlpModel::stage: a larger batch behind one not yet launched");
            settle();
            regrow(std::max(b, 2 * dev_->max_batch()));
        }
        const int64_t features = host_.widths().front();
        if (batch.pixels) {
            u8_ = true;
            try {  // the first 8-bit batch allocates the slots' byte buffers
                staged_.push_back(
                    dev_->stage_u8(batch.pixels, batch.y, b, input_.c, batch.scale, batch.bias, batch.page_locked));
            } catch (const GpuError& e) {
                if (e.code() != GpuErrc::out_of_memory) throw;
                // The model's own buffers are still held: they count as available to the estimate.
                throw DeviceOutOfMemory(out_of_memory_advice(b, e.what(), static_cast<int64_t>(dev_->device_bytes())));
            }
            if (!batch.page_locked) host_staging_bytes_ += b * (features + 4);
        } else if (batch.page_locked) {
            staged_.push_back(dev_->stage_pinned(batch.x, batch.y, b));
        } else {
            staged_.push_back(dev_->stage(batch.x, batch.y, b));
            host_staging_bytes_ += b * (features + 1) * 4;
        }
    }
    bool device_collate() const noexcept override { return gpu_->device_collate(); }
    int64_t host_staging_bytes() const noexcept override { return host_staging_bytes_; }
    void launch(float lr) override {
        if (launched_ >= 0 || settled_)
            throw std::logic_error("GpuMlpModel::launch: the launched step was not finished");
        if (staged_.empty()) throw std::logic_error("GpuMlpModel::launch: no batch staged");
        stale_ = true;
        launched_ = staged_.front();
        staged_.pop_front();
        dev_->step(launched_, lr, momentum_);
    }
    float finish() override {
        settle();
        if (!settled_) throw std::logic_error("GpuMlpModel::finish: no step launched");
        settled_ = false;
        return settled_loss_;
    }
    void drop_staged() override {
        if (!staged_.empty()) gpu_->synchronize(GpuStream::copy);  // the caller may reuse a dropped batch's memory
        staged_.clear();
    }
    bool last_step_device_times(int64_t& h2d_ns, int64_t& compute_ns) const override {
        h2d_ns = h2d_ns_;
        compute_ns = compute_ns_;
        return true;
    }
    GpuBackend* gpu_backend() noexcept override { return gpu_.get(); }
    // In pieces of the training batch's size: evaluation never needs more device memory than
    // training (a test batch larger than the device holds is not an out-of-memory).
    int64_t count_correct(const float* x, const int32_t* y, int b) override {
        if (!staged_.empty() || launched_ >= 0)
            throw std::logic_error("GpuMlpModel::count_correct: a pipelined step is under way (finish it first)");
        const int piece = dev_->max_batch();
        const size_t features = static_cast<size_t>(host_.widths().front());
        int64_t correct = 0;
        for (int at = 0; at < b; at += piece) {
            const int n = std::min(piece, b - at);
            correct += dev_->count_correct(dev_->stage(x + static_cast<size_t>(at) * features, y + at, n));
        }
        return correct;
    }
    void predict(const float* x, int b, float* logits, InferWorkspace& ws) const override {
        sync_host();
        host_.predict(x, b, logits, ws.mlp);
    }
    std::vector<ParamTensor> parameters() const override {
        sync_host();
        return mlp_parameters(host_);
    }
    void set_parameter(size_t i, std::span<const float> v) override {
        sync_host();
        mlp_set_parameter(host_, i, v);
        dev_->load_from(host_);
    }
    // Host memory only: the mirror of the weights (the device's own is in GpuMlp::device_bytes()).
    ModelMemory memory() const override { return {host_.parameter_count() * 4, 0, 0, 0, 0}; }
    int64_t flops_per_train_sample() const override { return host_.flops_per_train_sample(); }
    int64_t activation_bytes_per_sample() const override { return 0; }  // on the device

private:
    // Waits for the launched step; keeps its loss and device times (the copy the step waited for,
    // its compute) for finish().
    void settle() {
        if (launched_ < 0) return;
        const int slot = launched_;
        launched_ = -1;
        settled_loss_ = dev_->loss(slot);  // waits for the step: its events are done
        h2d_ns_ = static_cast<int64_t>(gpu_->elapsed_ms(dev_->step_begin(slot), dev_->compute_start(slot)) * 1e6);
        compute_ns_ = static_cast<int64_t>(gpu_->elapsed_ms(dev_->compute_start(slot), dev_->compute_done(slot)) * 1e6);
        settled_ = true;
    }
    // Larger device buffers: the parameters go through the host mirror, the momentum is read back
    // and written again (a live batch-size change keeps it, as on the CPU).
    void regrow(int batch) {
        std::vector<float> momentum;
        if (dev_) {
            sync_host();
            momentum = dev_->read_momentum();
        }
        dev_.reset();
        try {
            dev_ = std::make_unique<GpuMlp>(*gpu_, host_.widths(), batch);
        } catch (const GpuError& e) {
            if (e.code() != GpuErrc::out_of_memory) throw;
            throw DeviceOutOfMemory(out_of_memory_advice(batch, e.what()));
        }
        dev_->load_from(host_);
        if (!momentum.empty()) dev_->write_momentum(momentum);
        stale_ = false;
    }
    // GpuMlp's device buffers: the parameters, their gradients and momentum; per sample every
    // layer's output (and activation), two gradient rows of the widest layer, a loss and a
    // correct flag, and each staging slot's input and label (and 8-bit input).
    // `held`: device bytes the model holds now and would give back for a smaller batch.
    std::string out_of_memory_advice(int batch, const std::string& what, int64_t held = 0) {
        const std::vector<int>& w = host_.widths();
        const int64_t fixed = 3 * host_.parameter_count() * 4 + 16;
        int64_t per_sample = 2 + GpuMlp::kSlots * (int64_t{w[0]} + 1) + 2 * *std::max_element(w.begin() + 1, w.end());
        if (u8_) per_sample += GpuMlp::kSlots * (int64_t{w[0]} + 3) / 4;  // the slots' 8-bit inputs, in floats
        for (size_t l = 1; l < w.size(); ++l) per_sample += (l + 1 < w.size() ? 2 : 1) * int64_t{w[l]};
        per_sample *= 4;
        std::string r = "out of GPU memory at batch size " + std::to_string(batch) + " (" + what + ")";
        int64_t avail = -1;
        try {
            gpu_->release_cached();
            avail = static_cast<int64_t>(gpu_->memory_stats().device_free_bytes) + held;
        } catch (const GpuError&) {
            return r + ": try a smaller batch size (the device's free memory could not be read)";
        }
        const int fit = largest_batch_that_fits(fixed, per_sample, avail * 9 / 10);
        if (fit < 1) return r + "; even batch size 1 does not fit on the device: use a smaller model";
        if (fit >= batch)
            return r + ": the device's free memory should hold this batch (a pool limit, or another process?); "
                       "try a smaller batch size";
        return r + "; the largest batch size that should fit is " + std::to_string(fit) + " (estimated: " +
               std::to_string(fixed / 1024) + " KiB of weights, gradients and momentum + " +
               std::to_string(per_sample / 1024) + " KiB per sample, " + std::to_string(avail / (1024 * 1024)) +
               " MiB of the device free)";
    }
    void sync_host() const {
        std::lock_guard lock(m_);
        if (!stale_) return;
        std::vector<float> w, b;
        for (size_t l = 0; l < host_.layer_count(); ++l) {
            dev_->read_layer(l, w, b);
            host_.set_layer(l, w, b);
        }
        stale_ = false;
    }

    std::unique_ptr<GpuBackend> gpu_;
    mutable Mlp host_;
    std::unique_ptr<GpuMlp> dev_;
    ModelSpec spec_;
    Shape input_;
    float momentum_;
    mutable std::mutex m_;
    mutable bool stale_ = false;
    int64_t h2d_ns_ = 0, compute_ns_ = 0;
    std::deque<int> staged_;  // GpuMlp slots staged and not launched, oldest first
    int64_t host_staging_bytes_ = 0;  // training batches copied into GpuMlp's slots
    bool u8_ = false;                 // 8-bit batches staged: the slots hold their bytes too
    int launched_ = -1;       // the slot of the launched, unfinished step
    bool settled_ = false;    // the launched step is done; its loss waits for finish()
    float settled_loss_ = 0.f;
};

}  // namespace

std::string gpu_trainable(const ModelSpec& spec, const OptimizerConfig& opt) {
    if (spec.kind != ModelKind::Mlp && spec.kind != ModelKind::LogReg)
        return "the CUDA backend trains MLPs and logistic regression so far, not " + spec.canonical() +
               ": use --backend cpu for it";
    if (spec.kind == ModelKind::Mlp && spec.activation != Activation::Relu)
        return "the CUDA backend trains ReLU MLPs so far: drop the activation from the model spec, or use --backend cpu";
    if (spec.dropout > 0.f) return "the CUDA backend does not do dropout yet: drop it from the model spec, or use --backend cpu";
    if (opt.kind != OptimizerKind::Sgd || opt.weight_decay > 0.f)
        return "the CUDA backend trains with SGD and momentum (no weight decay) so far: use --optimizer sgd, or --backend cpu";
    return {};
}

std::unique_ptr<Model> make_gpu_model(std::unique_ptr<GpuBackend> gpu, const ModelSpec& spec, Shape input, int classes,
                                      const OptimizerConfig& opt, uint64_t seed, int batch) {
    if (std::string why = gpu_trainable(spec, opt); !why.empty()) throw std::invalid_argument(why);
    std::vector<int> widths{static_cast<int>(input.size())};
    if (spec.kind == ModelKind::Mlp) widths.insert(widths.end(), spec.widths.begin(), spec.widths.end());
    widths.push_back(classes);
    return std::make_unique<GpuMlpModel>(std::move(gpu), Mlp(std::move(widths), seed), spec, input, opt.momentum,
                                         std::max(1, batch));
}

}  // namespace batchscope::engine::model
