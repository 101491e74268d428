// Serving on the CUDA backend through GpuMlp: one upload of the weights, then per batch the
// inputs scaled into page-locked memory, the H2D copy on the copy stream, the forward pass and
// the copy of the logits back on the compute stream, one wait, and the answers checked on the
// host. The three phases are timed with the CUDA events GpuMlp records around them. With CUDA
// graphs (the default), each batch size's copy in, forward pass and copy back are captured once
// and replayed (GpuMlp::predict_pinned), after a check that a replay gives the uncaptured logits.
#include <algorithm>
#include <cmath>

#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/profiler/clock.h"
#include "served_input.h"

namespace batchscope::engine::infer {
namespace {

// The widths {inputs, hidden..., classes} of a stack of Linear layers, from its parameter
// tensors (weight [out x in], bias [out], layer after layer), copied into a host Mlp.
Mlp linear_stack(const model::Model& m) {
    const std::vector<model::ParamTensor> p = m.parameters();
    if (p.empty() || p.size() % 2) throw GpuError(GpuErrc::unsupported, "the model is not a stack of Linear layers");
    std::vector<int> widths{static_cast<int>(m.input_shape().size())};
    for (size_t i = 0; i < p.size(); i += 2) {
        const size_t in = static_cast<size_t>(widths.back()), out = p[i + 1].values.size();
        if (out == 0 || p[i].values.size() != in * out)
            throw GpuError(GpuErrc::unsupported, "the model's tensor " + p[i].name + " is not a Linear layer's weight");
        widths.push_back(static_cast<int>(out));
    }
    Mlp mlp(widths, 0);
    for (size_t l = 0; l + 1 < widths.size(); ++l) mlp.set_layer(l, p[2 * l].values, p[2 * l + 1].values);
    return mlp;
}

int64_t event_ns(GpuBackend& gpu, GpuEvent& a, GpuEvent& b) {
    return std::max<int64_t>(0, std::llround(static_cast<double>(gpu.elapsed_ms(a, b)) * 1e6));
}

class GpuModelService final : public BatchService {
public:
    GpuModelService(std::unique_ptr<GpuBackend> gpu, const model::Model& m, const CheckpointInfo& info,
                    ImageDataset test, std::string name, bool cuda_graphs)
        : gpu_(std::move(gpu)), test_(std::move(test)), name_(std::move(name)), lut_(pixel_scale(info)) {
        check_served_input(m, info, test_);
        if (name_.empty()) name_ = m.describe();
        const Mlp host = linear_stack(m);
        features_ = static_cast<size_t>(host.widths().front());
        classes_ = static_cast<size_t>(host.widths().back());
        // Sized once for the batcher's largest batch, so a live max-batch change never reallocates.
        const int rows = InferLimits::kMaxMaxBatch;
        dev_ = std::make_unique<GpuMlp>(*gpu_, host.widths(), rows);
        dev_->load_from(host);
        x_ = gpu_->pinned_floats(static_cast<size_t>(rows) * features_);
        logits_ = gpu_->pinned_floats(static_cast<size_t>(rows) * classes_);
        graphs_asked_ = cuda_graphs;
        dev_->set_cuda_graphs(cuda_graphs);
        if (dev_->cuda_graphs()) {
            const int64_t first = 0;
            scale_samples(lut_, test_, std::span<const int64_t>(&first, 1), x_.floats());
            dev_->check_cuda_graphs(x_.floats(), 1, logits_.floats());
        }
    }

    std::string model() const override { return name_; }
    std::string dataset() const override { return test_.name + ", " + std::to_string(test_.count) + " samples"; }
    std::string backend() const override {
        const GpuProbeResult& p = gpu_->probe();
        return std::string("CUDA, ") + (p.device_name.empty() ? "device" : p.device_name) +
               (gpu_->tf32() ? ", TF32" : ", FP32") + graphs_text();
    }
    std::string timing() const override {
        return std::string("h2d, compute and d2h timed with CUDA events around each batch's copy in, forward pass and "
                           "copy back") +
               (dev_->cuda_graphs() ? " (events inside each batch size's CUDA graph, replayed)" : "") +
               " (CUPTI does not trace serving yet: no kernel or copy tables for inference)";
    }
    int64_t sample_count() const override { return test_.count; }

    void warm_up(int max_batch) override {
        // Every batch size the stream may use starts cuBLAS's choices and the pool once.
        std::vector<int64_t> s(static_cast<size_t>(std::max(1, max_batch)));
        for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int64_t>(i) % test_.count;
        std::vector<int8_t> c(s.size());
        // With CUDA graphs, three rounds: a size's first batch runs uncaptured, the next two capture
        // the graphs of both staging slots, so the stream itself only replays them.
        const int rounds = dev_->cuda_graphs() ? 3 : 1;
        for (size_t b = 1; b <= s.size(); b = b < 4 ? b + 1 : b * 2)
            for (int r = 0; r < rounds; ++r) serve(std::span<const int64_t>(s.data(), b), std::span<int8_t>(c.data(), b));
        for (int r = 0; r < rounds; ++r) serve(s, c);
    }

    BatchTiming serve(std::span<const int64_t> samples, std::span<int8_t> correct) override {
        const int b = static_cast<int>(samples.size());
        if (b <= 0 || b > dev_->max_batch())
            throw std::invalid_argument("a batch of " + std::to_string(b) + " requests; the GPU service takes 1 to " +
                                        std::to_string(dev_->max_batch()));
        const int64_t t0 = profiler::now_ns();
        scale_samples(lut_, test_, samples, x_.floats());
        const int64_t t1 = profiler::now_ns();
        const int slot = dev_->predict_pinned(x_.floats(), b, logits_.floats());
        gpu_->synchronize(dev_->result_ready(slot));
        const int64_t t2 = profiler::now_ns();
        for (size_t i = 0; i < samples.size(); ++i)
            correct[i] = check_answer(logits_.floats() + i * classes_, classes_, test_.labels[static_cast<size_t>(samples[i])]);

        BatchTiming t;
        t.device = true;
        t.h2d_ns = event_ns(*gpu_, dev_->copy_start(slot), dev_->copy_done(slot));
        t.compute_ns = event_ns(*gpu_, dev_->compute_start(slot), dev_->compute_done(slot));
        t.d2h_ns = event_ns(*gpu_, dev_->compute_done(slot), dev_->result_ready(slot));
        t.h2d_bytes = static_cast<uint32_t>(static_cast<size_t>(b) * features_ * sizeof(float));
        t.d2h_bytes = static_cast<uint32_t>(static_cast<size_t>(b) * classes_ * sizeof(float));
        // On the host clock: the device's work ended when the wait returned (t2), and began no
        // earlier than the inputs were staged (t1).
        const int64_t span = event_ns(*gpu_, dev_->copy_start(slot), dev_->result_ready(slot));
        const int64_t begin = std::max(t1, t2 - span) - t0;
        t.h2d_at_ns = begin;
        t.compute_at_ns = begin + event_ns(*gpu_, dev_->copy_start(slot), dev_->compute_start(slot));
        t.d2h_at_ns = begin + event_ns(*gpu_, dev_->copy_start(slot), dev_->compute_done(slot));
        return t;
    }

private:
    std::string graphs_text() const {
        if (dev_->cuda_graphs()) return ", CUDA graphs";
        if (!dev_->graph_note().empty()) return ", no CUDA graphs: " + dev_->graph_note();
        return graphs_asked_ ? ", no CUDA graphs" : ", no CUDA graphs (--no-cuda-graphs)";
    }

    std::unique_ptr<GpuBackend> gpu_;
    ImageDataset test_;
    std::string name_;
    std::array<float, 256> lut_{};
    size_t features_ = 0, classes_ = 0;
    std::unique_ptr<GpuMlp> dev_;
    bool graphs_asked_ = true;
    PinnedBuffer x_, logits_;  // page-locked: the copies read and write them directly
};

}  // namespace

std::string gpu_servable(const model::ModelSpec& spec) {
    using model::ModelKind;
    if (spec.kind == ModelKind::LogReg || spec.kind == ModelKind::Svm) return {};
    if (spec.kind == ModelKind::Mlp && spec.activation == model::Activation::Relu) return {};
    return std::string("the CUDA backend serves MLPs with ReLU, logistic regression and linear SVMs so far, not ") +
           spec.canonical() + ": serve it with --backend cpu";
}

std::string gpu_unavailable(const std::string& probe_reason) {
    std::string why = probe_reason;
    const std::string ending = " — running on the CPU";
    if (why.size() >= ending.size() && why.compare(why.size() - ending.size(), ending.size(), ending) == 0)
        why.resize(why.size() - ending.size());
    return "GPU unavailable: " + why + " (serve on the CPU with --backend cpu)";
}

std::unique_ptr<BatchService> make_gpu_model_service(std::unique_ptr<GpuBackend> gpu, const model::Model& model,
                                                     const CheckpointInfo& info, ImageDataset test,
                                                     std::string model_name, bool cuda_graphs) {
    if (std::string why = gpu_servable(model.spec()); !why.empty()) throw GpuError(GpuErrc::unsupported, why);
    if (!gpu) throw GpuError(GpuErrc::no_device, "no GPU backend");
    return std::make_unique<GpuModelService>(std::move(gpu), model, info, std::move(test), std::move(model_name),
                                             cuda_graphs);
}

std::unique_ptr<BatchService> make_gpu_model_service(const std::string& checkpoint, const std::string& data_dir,
                                                     int64_t test_limit, const GpuBackendOptions& options,
                                                     bool cuda_graphs) {
    LoadedCheckpoint ck = load_checkpoint(checkpoint);
    if (std::string why = gpu_servable(ck.model->spec()); !why.empty()) throw GpuError(GpuErrc::unsupported, why);
    std::string why;
    std::unique_ptr<GpuBackend> gpu = GpuBackend::open(options, why);
    if (!gpu) throw GpuError(GpuErrc::no_device, gpu_unavailable(why));
    const std::string dir = data_dir.empty() ? find_fashion_mnist_dir() : data_dir;
    ImageDataset test = load_fashion_mnist_split(dir, "t10k", test_limit);
    if (test.name.empty()) test.name = "Fashion-MNIST";
    return make_gpu_model_service(std::move(gpu), *ck.model, ck.info, std::move(test), {}, cuda_graphs);
}

}  // namespace batchscope::engine::infer
