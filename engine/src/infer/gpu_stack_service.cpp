// The layer-stack path of GPU serving: any model (GELU or dropout MLPs, CNNs, ...) rebuilt on the
// GPU layer backend (model/gpu_model.h, the Backend the layer stack trains on) with the
// checkpoint's parameters uploaded once. Per batch, on the compute stream in order: the inputs'
// copy from page-locked memory into the device input, the forward pass without dropout
// (Model::device_forward) and the copy of the logits back, each between CUDA events and inside a
// CUPTI tag of its phase. The layer outputs are sized by the warm-up for the run's largest batch
// and grow, when a live change asks for a larger one, with an out-of-memory error that names the
// largest batch that should fit.
#include <stdexcept>
#include <vector>

#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/model/gpu_model.h"
#include "gpu_serving.h"

namespace batchscope::engine::infer {
namespace {

using profiler::Phase;

class GpuStackService final : public GpuServiceBase {
public:
    GpuStackService(std::unique_ptr<GpuBackend> gpu, const model::Model& m, const CheckpointInfo& info,
                    ImageDataset test, std::string name)
        : GpuServiceBase(m, info, std::move(test), std::move(name), "layer stack"), gpu_(*gpu) {
        try {
            // The model's own seed does not matter: every parameter is replaced below. Plain SGD
            // keeps the optimizer state the layer stack allocates to one buffer per parameter.
            net_ = model::make_network(m.spec(), m.input_shape(), m.classes(), model::OptimizerConfig{}, 0,
                                       model::make_gpu_layer_backend(std::move(gpu)));
            const std::vector<model::ParamTensor> host = m.parameters();
            if (net_->parameters().size() != host.size())
                throw std::invalid_argument("the model has " + std::to_string(host.size()) +
                                            " parameter tensors; its layer stack on the GPU has " +
                                            std::to_string(net_->parameters().size()));
            for (size_t i = 0; i < host.size(); ++i) net_->set_parameter(i, host[i].values);
            features_ = static_cast<size_t>(m.input_shape().size());
            classes_ = static_cast<size_t>(m.classes());
            x_dev_ = gpu_.device_floats(static_cast<size_t>(InferLimits::kMaxMaxBatch) * features_);
        } catch (const model::DeviceOutOfMemory& e) {
            throw GpuError(GpuErrc::out_of_memory, std::string("the model does not fit on the GPU: ") + e.what());
        }
        for (GpuEvent* e : {&h2d_start_, &h2d_end_, &compute_end_, &d2h_end_}) *e = gpu_.event();
        attach(gpu_, features_, classes_);
    }

protected:
    DeviceBatchEvents run(const float* x, int b, float* logits) override {
        {
            const GpuBackend::Tag tag(gpu_, Phase::H2D);
            gpu_.record(h2d_start_, GpuStream::compute);
            gpu_.copy_h2d(x_dev_.data(), x, static_cast<size_t>(b) * features_ * sizeof(float), GpuStream::compute);
            gpu_.record(h2d_end_, GpuStream::compute);
        }
        const float* z = nullptr;
        {
            const GpuBackend::Tag tag(gpu_, Phase::Compute);
            try {
                z = net_->device_forward(x_dev_.floats(), b);
            } catch (const model::DeviceOutOfMemory& e) {
                throw GpuError(GpuErrc::out_of_memory, e.what());
            }
            gpu_.record(compute_end_, GpuStream::compute);
        }
        const GpuBackend::Tag tag(gpu_, Phase::D2H);  // the last work of the batch
        gpu_.copy_d2h(logits, z, static_cast<size_t>(b) * classes_ * sizeof(float), GpuStream::compute);
        gpu_.record(d2h_end_, GpuStream::compute);
        return {&h2d_start_, &h2d_end_, &h2d_end_, &compute_end_, &d2h_end_, /*h2d_on_compute=*/true};
    }

private:
    GpuBackend& gpu_;                   // owned by the model's layer backend
    std::unique_ptr<model::Model> net_;  // the layer stack on the GPU layer backend
    size_t features_ = 0, classes_ = 0;
    DeviceBuffer x_dev_;  // the batch's inputs on the device, for the largest batch
    GpuEvent h2d_start_, h2d_end_, compute_end_, d2h_end_;
};

}  // namespace

std::unique_ptr<BatchService> make_gpu_stack_service(std::unique_ptr<GpuBackend> gpu, const model::Model& model,
                                                     const CheckpointInfo& info, ImageDataset test,
                                                     std::string model_name) {
    return std::make_unique<GpuStackService>(std::move(gpu), model, info, std::move(test), std::move(model_name));
}

}  // namespace batchscope::engine::infer
