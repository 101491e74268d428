#pragma once
// A trainable classifier: what the training run, checkpoints and the inference service see.
// make_model() builds any ModelSpec as a layer stack on a backend (Network); the default MLP
// with ReLU, no dropout and plain SGD-momentum uses the tuned Mlp class instead (same math, one
// pass less per layer), so the default run stays as fast as before.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "batchscope/engine/mlp.h"
#include "batchscope/engine/model/layers.h"
#include "batchscope/engine/model/model_spec.h"

namespace batchscope::engine {
class GpuBackend;
}

namespace batchscope::engine::model {

// Bytes of host (CPU backend) memory a model holds, by what it is for.
struct ModelMemory {
    int64_t weights = 0, gradients = 0, optimizer_state = 0, activations = 0, workspace = 0;
    int64_t total() const noexcept { return weights + gradients + optimizer_state + activations + workspace; }
};

// A parameter tensor, for checkpoints.
struct ParamTensor {
    std::string name;  // "0.weight", "0.bias", ... (index of the layer in the stack)
    std::span<const float> values;
};

// Per-thread serving scratch.
struct InferWorkspace {
    std::vector<float> a, b;
    Scratch scratch;
    Mlp::Workspace mlp;
};

// A batch for Model::stage(StagedBatch): float samples (what the model takes), or the loader's
// 8-bit pixels (HWC) with the per-channel map data::Collator applies (byte * scale[c] + bias[c]),
// converted to floats on the device (Model::device_collate()): a copy four times smaller.
struct StagedBatch {
    const float* x = nullptr;         // b x input features floats (CHW per sample); null with pixels
    const uint8_t* pixels = nullptr;  // b x input features bytes (HWC per sample); null with x
    std::array<float, 3> scale{}, bias{};  // pixels: channel c's value = byte * scale[c] + bias[c]
    const int32_t* y = nullptr;
    int b = 0;
    // x (or pixels) and y are page-locked memory of this model's GPU backend (host_memory.h,
    // page_locked_memory): the upload reads them directly, with no copy on the host. The caller
    // then leaves them unchanged until the step that trains the batch has finished (its finish()
    // returned) or drop_staged() returned. False: they are copied before stage() returns.
    bool page_locked = false;
};

class Model {
public:
    virtual ~Model() = default;
    virtual const ModelSpec& spec() const noexcept = 0;
    virtual std::string describe() const = 0;  // "MLP 784-256-128-10 (ReLU)", "CNN 1x28x28 conv 32,64 fc 128"
    virtual std::string layers() const = 0;    // one line per layer
    virtual Shape input_shape() const noexcept = 0;
    virtual int classes() const noexcept = 0;
    virtual std::string backend() const = 0;

    // One forward + backward + optimizer step on b samples (x: b x input features, y: labels in
    // [0, classes)) at learning rate lr. Returns the batch's mean loss.
    virtual float train_step(const float* x, const int32_t* y, int b, float lr) = 0;
    // Pipelined training (device models; pipelined() is false on the CPU, which never gets the
    // calls): the run stages batch k+1 while batch k computes. stage() copies the batch into
    // page-locked memory and queues its upload on the copy stream, without waiting for the
    // device; launch() queues the step on the oldest staged batch (its compute waits for that
    // upload's event) without waiting; finish() waits for the launched step and returns its mean
    // loss. Order: stage, launch, [stage], finish, launch, [stage], finish, ...: at most one batch
    // staged beyond the launched one. train_step() is stage + launch + finish, with the same math
    // in the same order, so results are bit-identical either way. drop_staged() forgets a staged
    // batch that will not be launched (a stopped run). Misuse throws std::logic_error.
    virtual bool pipelined() const noexcept { return false; }
    virtual void stage(const float* x, const int32_t* y, int b);
    virtual void launch(float lr);
    virtual float finish();
    // drop_staged() also waits for a dropped batch's upload, so that its host memory may be reused.
    virtual void drop_staged() {}
    // stage() of a StagedBatch (above): float batches as stage(x, y, b) unless page-locked (then
    // uploaded straight from x and y); 8-bit pixels only where device_collate() (else
    // std::logic_error: convert them on the host first).
    virtual void stage(const StagedBatch& batch);
    virtual bool device_collate() const noexcept { return false; }
    // Bytes of training batches copied on the host into the model's own page-locked staging
    // buffers before their upload, so far: 0 when every batch was staged page-locked.
    virtual int64_t host_staging_bytes() const noexcept { return 0; }
    // Forward without dropout; how many of the b samples are classified correctly.
    virtual int64_t count_correct(const float* x, const int32_t* y, int b) = 0;
    // Serving: logits (b x classes) of x; const, with the caller's workspace.
    virtual void predict(const float* x, int b, float* logits, InferWorkspace& ws) const = 0;

    virtual std::vector<ParamTensor> parameters() const = 0;
    // Replaces parameter tensor i (a checkpoint being loaded); optimizer state is reset.
    // Throws std::invalid_argument when the size does not match.
    virtual void set_parameter(size_t i, std::span<const float> values) = 0;
    virtual ModelMemory memory() const = 0;
    virtual int64_t flops_per_train_sample() const = 0;  // 2 x multiply-adds, forward + backward
    // Bytes a training step holds per sample of the batch (layer outputs, their gradients, masks).
    virtual int64_t activation_bytes_per_sample() const = 0;
    // GPU backends: the last step's host-to-device copy and compute as the device timed them
    // (CUDA events), in ns; false on the CPU. The copy is the part the compute stream waited for
    // (the exposed copy: a pipelined upload that finished before its step began counts 0).
    virtual bool last_step_device_times(int64_t& h2d_ns, int64_t& compute_ns) const {
        (void)h2d_ns, (void)compute_ns;
        return false;
    }
    // Device backends: the model's device memory by kind (ModelMemory's fields, device bytes);
    // false on the CPU (memory() is then all of it).
    virtual bool device_memory(ModelMemory& m) const {
        (void)m;
        return false;
    }
    // GPU backends: the backend the model trains on (CUPTI tagging, device memory); null on the CPU.
    virtual GpuBackend* gpu_backend() noexcept { return nullptr; }
    // Device backends, for a serving path that copies its batches itself: the forward pass without
    // dropout of b samples already in the backend's memory (x: b x input features), on the
    // backend's stream; returns the logits (b x classes, the backend's memory, valid until the next
    // call) without waiting for them. The layer outputs grow when b is larger than any batch before
    // (a failed growth throws DeviceOutOfMemory naming the largest batch that should fit, and the
    // model stays usable at smaller batches). Null on the CPU (predict() serves there).
    virtual const float* device_forward(const float* x, int b) {
        (void)x, (void)b;
        return nullptr;
    }
    // Weights and biases, counted (a device model counts without reading them back).
    virtual int64_t parameter_count() const;
};

// Builds `spec` for inputs of shape `input` (c x h x w, channels first as the loader's float
// batches are) and `classes` outputs.
// Deterministic for a seed. Throws std::invalid_argument when the spec does not fit the input.
std::unique_ptr<Model> make_model(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                  uint64_t seed, int threads = 1);
// The same, always as a layer stack (never the Mlp fast path): for tests comparing the two.
std::unique_ptr<Model> make_network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                    uint64_t seed, int threads = 1);
// The layer stack on a given backend (a GPU backend: gpu_model.h).
std::unique_ptr<Model> make_network(const ModelSpec& spec, Shape input, int classes, const OptimizerConfig& opt,
                                    uint64_t seed, std::unique_ptr<Backend> backend);
// An existing Mlp (ReLU, SGD-momentum) as a Model.
std::unique_ptr<Model> wrap_mlp(Mlp mlp, Shape input, float momentum);

}  // namespace batchscope::engine::model
