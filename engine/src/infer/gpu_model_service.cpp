// Serving on the CUDA backend: the tuned path (GpuMlp: stacks of Linear layers with ReLU) for the
// models it serves, the layer stack (gpu_stack_service.cpp) for every other; what both share is in
// gpu_serving.h. On the tuned path, with CUDA graphs (the default), each batch size's copy in,
// forward pass and copy back are captured once and replayed (GpuMlp::predict_pinned), after a
// check that a replay gives the uncaptured logits.

#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/mlp.h"
#include "gpu_serving.h"

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

// The tuned path: GpuMlp's copy slot and fused forward pass (its h2d on the copy stream; with
// CUDA graphs, everything on the compute stream inside the graph).
class GpuMlpService final : public GpuServiceBase {
public:
    GpuMlpService(std::unique_ptr<GpuBackend> gpu, const model::Model& m, const CheckpointInfo& info, ImageDataset test,
                  std::string name, bool cuda_graphs)
        : GpuServiceBase(m, info, std::move(test), std::move(name), "tuned MLP"), gpu_(std::move(gpu)),
          graphs_asked_(cuda_graphs) {
        const Mlp host = linear_stack(m);
        // Sized once for the batcher's largest batch, so a live max-batch change never reallocates.
        dev_ = std::make_unique<GpuMlp>(*gpu_, host.widths(), InferLimits::kMaxMaxBatch);
        dev_->load_from(host);
        attach(*gpu_, static_cast<size_t>(host.widths().front()), static_cast<size_t>(host.widths().back()));
        dev_->set_cuda_graphs(cuda_graphs);
        if (dev_->cuda_graphs()) {
            const int64_t first = 0;
            scale_inputs(std::span<const int64_t>(&first, 1));
            dev_->check_cuda_graphs(input_staging(), 1, logits_staging());
        }
    }

protected:
    std::string backend_note() const override {
        if (dev_->cuda_graphs()) {
            const std::vector<int> sizes = dev_->graph_sizes();
            std::string note = ", CUDA graphs (" + std::to_string(sizes.size()) + " batch sizes up to " +
                               std::to_string(sizes.back()) + ", captured before the stream; a batch is padded to the next";
            if (const uint64_t n = dev_->uncaptured_batches()) note += "; " + std::to_string(n) + " batches without a graph ran uncaptured";
            return note + ")";
        }
        if (!dev_->graph_note().empty()) return ", no CUDA graphs: " + dev_->graph_note();
        return graphs_asked_ ? ", no CUDA graphs" : ", no CUDA graphs (--no-cuda-graphs)";
    }
    std::string timing_note() const override {
        return dev_->cuda_graphs() ? " (events inside each batch size's CUDA graph, replayed)" : "";
    }
    // With CUDA graphs, three rounds: a size's first batch runs uncaptured, the next two capture
    // the graphs of both staging slots, so the stream itself only replays them.
    int warm_up_rounds() const override { return dev_->cuda_graphs() ? 3 : 1; }
    // With CUDA graphs: every graph size the model holds (up to the largest max batch a live
    // change can set), whatever this run's max batch, and then no capture on the request path.
    std::vector<int> warm_up_sizes(int max_batch) const override {
        return dev_->cuda_graphs() ? dev_->graph_sizes() : GpuServiceBase::warm_up_sizes(max_batch);
    }
    void warmed_up() override {
        if (dev_->cuda_graphs()) dev_->freeze_graphs();
    }

    DeviceBatchEvents run(const float* x, int b, float* logits) override {
        if (dev_->cuda_graphs()) {  // tagged inside: the launch (or the uncaptured batch) as compute
            const int slot = dev_->predict_pinned(x, b, logits);
            return {&dev_->copy_start(slot), &dev_->copy_done(slot), &dev_->compute_start(slot),
                    &dev_->compute_done(slot), &dev_->result_ready(slot), /*h2d_on_compute=*/true,
                    /*rows=*/dev_->graph_rows(b)};
        }
        const int slot = dev_->stage_pinned(x, nullptr, b);  // tagged h2d inside
        {
            // The logits' copy back is queued inside predict(): tagged compute with the forward
            // pass (CUPTI still tells it by its direction, DtoH).
            const GpuBackend::Tag tag(*gpu_, profiler::Phase::Compute);
            dev_->predict(slot, logits);
        }
        return {&dev_->copy_start(slot), &dev_->copy_done(slot), &dev_->compute_start(slot), &dev_->compute_done(slot),
                &dev_->result_ready(slot)};
    }

private:
    std::unique_ptr<GpuBackend> gpu_;
    std::unique_ptr<GpuMlp> dev_;
    bool graphs_asked_ = true;
};

}  // namespace

bool gpu_tuned_path(const model::ModelSpec& spec) {
    using model::ModelKind;
    return spec.kind == ModelKind::LogReg || spec.kind == ModelKind::Svm ||
           (spec.kind == ModelKind::Mlp && spec.activation == model::Activation::Relu);
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
    if (!gpu) throw GpuError(GpuErrc::no_device, "no GPU backend");
    if (!gpu_tuned_path(model.spec()))
        return make_gpu_stack_service(std::move(gpu), model, info, std::move(test), std::move(model_name));
    return std::make_unique<GpuMlpService>(std::move(gpu), model, info, std::move(test), std::move(model_name),
                                           cuda_graphs);
}

std::unique_ptr<BatchService> make_gpu_model_service(const std::string& checkpoint, const std::string& data_dir,
                                                     int64_t test_limit, const GpuBackendOptions& options,
                                                     bool cuda_graphs) {
    LoadedCheckpoint ck = load_checkpoint(checkpoint);
    std::string why;
    std::unique_ptr<GpuBackend> gpu = GpuBackend::open(options, why);
    if (!gpu) throw GpuError(GpuErrc::no_device, gpu_unavailable(why));
    const std::string dir = data_dir.empty() ? find_fashion_mnist_dir() : data_dir;
    ImageDataset test = load_fashion_mnist_split(dir, "t10k", test_limit);
    if (test.name.empty()) test.name = "Fashion-MNIST";
    return make_gpu_model_service(std::move(gpu), *ck.model, ck.info, std::move(test), {}, cuda_graphs);
}

}  // namespace batchscope::engine::infer
