#pragma once
// The MLP of engine::Mlp (ReLU hidden layers, softmax cross-entropy, SGD with momentum as
// torch.optim.SGD) trained on the GPU through GpuBackend. Same parameter layout (weights
// [out x in] row-major, then biases), so a step can be compared with the CPU model.
//
// Pipelined: stage() puts a batch into one of two page-locked slots and copies it to the device
// on the COPY stream; step() makes the COMPUTE stream wait for that copy (an event), trains, and
// marks the slot consumed (another event). So the next batch's host-to-device copy runs while
// this batch computes, and a slot is only overwritten once the step that read it is done.
#include "batchscope/engine/gpu_backend.h"

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <span>
#include <vector>

namespace batchscope::engine {

class Mlp;

class GpuMlp {
public:
    // Allocates everything for batches of up to max_batch (no allocation per step); weights zero
    // until load_from(). Throws GpuError (out_of_memory names the sizes) or std::invalid_argument.
    GpuMlp(GpuBackend& gpu, std::vector<int> widths, int max_batch);

    // Copies the CPU model's parameters to the device and zeroes the momentum.
    void load_from(const Mlp& cpu);
    // The SGD momentum, in the parameter block's layout: read back (waits for the compute stream)
    // and written, so that a model moved to larger buffers keeps it as the CPU model does.
    std::vector<float> read_momentum();
    void write_momentum(std::span<const float> v);
    // Layer l's parameters, copied back (waits for the compute stream).
    void read_layer(size_t l, std::vector<float>& w, std::vector<float>& b);

    static constexpr int kSlots = 2;
    // Copies the batch (b <= max_batch) into the next slot and queues its H2D copy; returns the
    // slot. At most kSlots batches may be staged ahead of their step().
    int stage(const float* x, const int32_t* y, int b);
    // The same without the host copy, for batches already in page-locked memory (a
    // GpuBackend::pinned buffer): the H2D copy reads x and y directly, so they must stay
    // unchanged until copy_done(slot) has completed. With either, y may be null for predict()
    // (serving): then only x is copied.
    int stage_pinned(const float* x, const int32_t* y, int b);
    // An 8-bit batch (the loader's HWC pixels, b x widths()[0] bytes, `channels` of 1 or 3) whose
    // bytes go up, a quarter of the floats' size, and become floats on the device (collate_u8:
    // byte * scale[c] + bias[c], the host Collator's bits) at the start of its step(). page_locked:
    // the copy reads `pixels` and `y` directly (unchanged until the step is done, as
    // stage_pinned); else they are copied into the slot first. Throws GpuError unsupported when
    // the plugin has no device collate.
    int stage_u8(const uint8_t* pixels, const int32_t* y, int b, int channels, const std::array<float, 3>& scale,
                 const std::array<float, 3>& bias, bool page_locked);
    // Queues forward + backward + SGD for the batch in `slot` and the copy of its mean loss back.
    void step(int slot, float lr, float momentum);
    // The mean loss of the last step on `slot` (waits for it).
    float loss(int slot);
    // stage + step + loss.
    float train_step(const float* x, const int32_t* y, int b, float lr, float momentum);
    // Forward only on a staged slot; how many rows are classified correctly (waits).
    int64_t count_correct(int slot);
    // Serving: forward only on a staged slot, then its logits (rows x classes, row-major) copied
    // into `logits_host` (page-locked, a GpuBackend::pinned buffer) on the compute stream.
    // compute_start/compute_done bracket the forward pass, result_ready(slot) follows the copy.
    // Does not wait: synchronize(result_ready(slot)) before reading the logits.
    void predict(int slot, float* logits_host);

    // Serving with CUDA graphs (off until set_cuda_graphs(true)): predict_pinned() queues the copy
    // in, the forward pass and the copy back of a batch, all on the compute stream. A batch size's
    // first batch runs uncaptured (cuBLAS sets itself up for the shapes); the next captures them
    // (per slot and pair of host buffers) and every later one replays the graph: one launch
    // instead of one per copy, kernel and event. The events above are graph nodes, so they
    // still time h2d, compute and d2h. If the plugin has no graphs or a capture or launch fails,
    // it serves uncaptured from then on and graph_note() says why: never silently.
    void set_cuda_graphs(bool on);
    bool cuda_graphs() const noexcept { return graphs_on_; }
    const std::string& graph_note() const noexcept { return graph_note_; }  // "" unless graphs were turned off
    size_t graphs_captured() const noexcept { return graphs_.size(); }
    // With graphs on, a batch of b rows is served as graph_rows(b) rows, the next of graph_sizes()
    // (1, 2, 3, 4, 8, 16, ... up to max_batch), so x_pinned and logits_host must hold that many;
    // the rows beyond b compute whatever x_pinned holds there and their logits are not read.
    int graph_rows(int b) const noexcept;
    std::vector<int> graph_sizes() const;
    // The bound on graphs: one per graph size and slot. Once it is reached (a caller serving from
    // more than one pair of host buffers), a batch without a graph runs uncaptured.
    size_t max_graphs() const noexcept { return max_graphs_; }
    // From now on nothing is captured: a batch whose graph is missing runs uncaptured (counted),
    // so no request pays for a capture. A serving warm-up captures every size, then freezes.
    void freeze_graphs() noexcept { graphs_frozen_ = true; }
    // Batches served uncaptured, with graphs on, because their graph was missing and could not be
    // captured (frozen, or the bound reached).
    uint64_t uncaptured_batches() const noexcept { return uncaptured_; }
    // stage_pinned(x, nullptr, b) + predict(slot, logits_host), through a graph when they are on.
    // Returns the slot (its events as after predict).
    int predict_pinned(const float* x_pinned, int b, float* logits_host);
    // Serves x_pinned (b rows) once uncaptured and once through its graph and compares the logits
    // (written to logits_host); a difference turns graphs off with the reason. Returns cuda_graphs().
    bool check_cuda_graphs(const float* x_pinned, int b, float* logits_host);

    // Events around the last step's compute and the last stage's copy (for overlap checks).
    GpuEvent& copy_start(int slot) { return slots_[slot].copy_start; }
    GpuEvent& copy_done(int slot) { return slots_[slot].copied; }
    GpuEvent& compute_start(int slot) { return slots_[slot].compute_start; }
    // Recorded on the compute stream as step() begins, before it waits for the slot's copy: from
    // it to compute_start is the copy time the step was exposed to (0 when the copy was over).
    GpuEvent& step_begin(int slot) { return slots_[slot].step_begin; }
    GpuEvent& compute_done(int slot) { return slots_[slot].consumed; }
    GpuEvent& result_ready(int slot) { return slots_[slot].loss_ready; }  // the loss or logits are on the host

    const std::vector<int>& widths() const noexcept { return widths_; }
    int max_batch() const noexcept { return max_batch_; }
    size_t parameter_count() const noexcept { return params_n_; }
    uint64_t device_bytes() const noexcept { return device_bytes_; }

private:
    struct Slot {
        PinnedBuffer x_host, y_host, loss_host;
        DeviceBuffer x, y, loss;
        DeviceBuffer pixels;  // 8-bit batches (stage_u8): allocated on the first
        GpuEvent copy_start, copied, step_begin, compute_start, consumed, loss_ready;
        int rows = 0;
        bool staged = false;
        // stage_u8: the step first converts `pixels` into `x` with this map.
        bool collate = false;
        int channels = 1;
        std::array<float, 3> scale{}, bias{};
    };
    float* weights(size_t l) const;
    float* biases(size_t l) const;
    const float* forward(Slot& s);
    int stage_impl(const void* x, size_t x_bytes, void* x_dev, const int32_t* y, int b, bool via_slot);
    DeviceBuffer alloc(size_t floats);
    int take_slot(int b, const char* what);
    void enqueue_serving(Slot& s, const float* x, int b, float* logits_host);
    GpuGraph capture(Slot& s, const float* x, int b, float* logits_host);
    void graphs_off(const std::string& why);

    GpuBackend& gpu_;
    std::vector<int> widths_;
    int max_batch_;
    std::vector<size_t> w_off_, b_off_;  // offsets into the parameter block
    size_t params_n_ = 0;
    uint64_t device_bytes_ = 0;
    DeviceBuffer params_, grads_, velocity_;
    std::vector<DeviceBuffer> z_, a_;  // per layer: pre-activation, activation (hidden only)
    DeviceBuffer dz_, da_, row_loss_, row_correct_, correct_;
    PinnedBuffer correct_host_;
    std::array<Slot, kSlots> slots_;
    int next_slot_ = 0;
    // Serving graphs by (batch size, slot, host input, host logits).
    using GraphKey = std::tuple<int, int, const float*, float*>;
    std::map<GraphKey, GpuGraph> graphs_;
    std::set<int> warmed_;  // batch sizes served once uncaptured (cuBLAS set up) before their capture
    bool graphs_on_ = false;
    size_t max_graphs_ = 0;
    bool graphs_frozen_ = false;
    uint64_t uncaptured_ = 0;
    std::string graph_note_;
};

}  // namespace batchscope::engine
