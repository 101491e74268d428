#pragma once
// Internal: what the two GPU serving paths share (gpu_service.h): the request inputs scaled into
// page-locked memory, the answers checked on the host, and each batch's h2d, compute and d2h from
// the CUDA events the path records around them (placed on the host clock). A path supplies the
// device part: the copy in, the forward pass and the copy of the logits back, each inside a CUPTI
// tag of its phase (GpuBackend::Tag), so that a traced run joins the records with the batch.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::engine::infer {

// The events a path recorded around one batch; d2h runs from compute_end to d2h_end.
struct DeviceBatchEvents {
    GpuEvent* h2d_start = nullptr;
    GpuEvent* h2d_end = nullptr;
    GpuEvent* compute_start = nullptr;
    GpuEvent* compute_end = nullptr;
    GpuEvent* d2h_end = nullptr;  // the logits are on the host once this has completed
    bool h2d_on_compute = false;  // the copy in ran on the compute stream (a CUDA graph replay)
    int rows = 0;                 // rows copied each way (a graph pads the batch); 0: the batch's own
};

class GpuServiceBase : public BatchService {
public:
    std::string model() const override { return name_; }
    std::string dataset() const override;
    std::string backend() const override;  // "CUDA, <device>, FP32, <path><backend_note()>"
    std::string timing() const override;
    int64_t sample_count() const override { return test_.count; }
    void warm_up(int max_batch) override;
    BatchTiming serve(std::span<const int64_t> samples, std::span<int8_t> correct) override;
    GpuBackend* gpu() noexcept override { return gpu_; }

protected:
    // `path` ends the backend string ("tuned MLP", "layer stack").
    GpuServiceBase(const model::Model& m, const CheckpointInfo& info, ImageDataset test, std::string name,
                   std::string path);
    // Called by the path's constructor once its GpuBackend exists: the page-locked buffers for
    // InferLimits::kMaxMaxBatch rows.
    void attach(GpuBackend& gpu, size_t features, size_t classes);
    // Queues b rows of x (page-locked) in, the forward pass and b rows of logits back into
    // `logits` (page-locked); does not wait. Throws what the backend throws.
    virtual DeviceBatchEvents run(const float* x, int b, float* logits) = 0;
    // What a path adds to backend() and timing() (", CUDA graphs"), and how many times warm_up()
    // serves each batch size (a path that captures graphs needs more than one).
    virtual std::string backend_note() const { return {}; }
    virtual std::string timing_note() const { return {}; }
    virtual int warm_up_rounds() const { return 1; }
    // The batch sizes warm_up(max_batch) serves (default: 1 to 4, the powers of two below
    // max_batch, and max_batch), and what a path does once they are served.
    virtual std::vector<int> warm_up_sizes(int max_batch) const;
    virtual void warmed_up() {}
    // The page-locked input and logits buffers, and the given samples scaled into the first.
    float* input_staging() noexcept { return x_.floats(); }
    float* logits_staging() noexcept { return logits_.floats(); }
    void scale_inputs(std::span<const int64_t> samples);

private:
    ImageDataset test_;
    std::string name_, path_;
    std::array<float, 256> lut_{};
    GpuBackend* gpu_ = nullptr;
    size_t features_ = 0, classes_ = 0;
    PinnedBuffer x_, logits_;  // page-locked: the copies read and write them directly
};

// The layer stack (every model) on the GPU layer backend over `gpu`: gpu_stack_service.cpp.
std::unique_ptr<BatchService> make_gpu_stack_service(std::unique_ptr<GpuBackend> gpu, const model::Model& model,
                                                     const CheckpointInfo& info, ImageDataset test,
                                                     std::string model_name);

}  // namespace batchscope::engine::infer
