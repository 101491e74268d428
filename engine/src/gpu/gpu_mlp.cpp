#include "batchscope/engine/gpu_mlp.h"

#include "batchscope/engine/mlp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace batchscope::engine {

GpuMlp::GpuMlp(GpuBackend& gpu, std::vector<int> widths, int max_batch)
    : gpu_(gpu), widths_(std::move(widths)), max_batch_(max_batch) {
    if (widths_.size() < 2 || max_batch_ <= 0 ||
        std::any_of(widths_.begin(), widths_.end(), [](int w) { return w <= 0; }))
        throw std::invalid_argument("GpuMlp: need at least two positive widths and a positive batch size");
    max_graphs_ = graph_sizes().size() * kSlots;
    const size_t layers = widths_.size() - 1;
    for (size_t l = 0; l < layers; ++l) {
        w_off_.push_back(params_n_);
        params_n_ += static_cast<size_t>(widths_[l]) * widths_[l + 1];
    }
    for (size_t l = 0; l < layers; ++l) {
        b_off_.push_back(params_n_);
        params_n_ += static_cast<size_t>(widths_[l + 1]);
    }
    const size_t B = static_cast<size_t>(max_batch_);
    const int widest = *std::max_element(widths_.begin() + 1, widths_.end());
    params_ = alloc(params_n_);
    grads_ = alloc(params_n_);
    velocity_ = alloc(params_n_);
    for (size_t l = 0; l < layers; ++l) {
        z_.push_back(alloc(B * widths_[l + 1]));
        a_.push_back(l + 1 < layers ? alloc(B * widths_[l + 1]) : DeviceBuffer{});
    }
    dz_ = alloc(B * widest);
    da_ = alloc(B * widest);
    row_loss_ = alloc(B);
    row_correct_ = alloc(B);
    correct_ = alloc(1);
    correct_host_ = gpu_.pinned_floats(1);
    for (Slot& s : slots_) {
        s.x_host = gpu_.pinned_floats(B * widths_[0]);
        s.y_host = gpu_.pinned(B * sizeof(int32_t));
        s.loss_host = gpu_.pinned_floats(1);
        s.x = alloc(B * widths_[0]);
        s.y = alloc(B);
        s.loss = alloc(1);
        s.copy_start = gpu_.event();
        s.copied = gpu_.event();
        s.step_begin = gpu_.event();
        s.compute_start = gpu_.event();
        s.consumed = gpu_.event();
        s.loss_ready = gpu_.event();
    }
    gpu_.fill(params_.floats(), params_n_, 0.f);
    gpu_.fill(velocity_.floats(), params_n_, 0.f);
}

DeviceBuffer GpuMlp::alloc(size_t floats) {
    device_bytes_ += floats * sizeof(float);
    return gpu_.device_floats(floats);
}

float* GpuMlp::weights(size_t l) const { return params_.floats() + w_off_[l]; }
float* GpuMlp::biases(size_t l) const { return params_.floats() + b_off_[l]; }

void GpuMlp::load_from(const Mlp& cpu) {
    if (cpu.widths() != widths_) throw std::invalid_argument("GpuMlp::load_from: the widths differ");
    PinnedBuffer host = gpu_.pinned_floats(params_n_);
    for (size_t l = 0; l + 1 < widths_.size(); ++l) {
        const auto w = cpu.layer_weights(l);
        const auto b = cpu.layer_biases(l);
        std::memcpy(host.floats() + w_off_[l], w.data(), w.size_bytes());
        std::memcpy(host.floats() + b_off_[l], b.data(), b.size_bytes());
    }
    gpu_.copy_h2d(params_.data(), host.data(), params_n_ * sizeof(float), GpuStream::compute);
    gpu_.fill(velocity_.floats(), params_n_, 0.f);
    gpu_.synchronize(GpuStream::compute);  // `host` is freed on return
}

std::vector<float> GpuMlp::read_momentum() {
    std::vector<float> v(params_n_);
    gpu_.synchronize(GpuStream::compute);
    PinnedBuffer host = gpu_.pinned_floats(params_n_);
    gpu_.copy_d2h(host.floats(), velocity_.floats(), params_n_ * sizeof(float), GpuStream::compute);
    gpu_.synchronize(GpuStream::compute);
    std::memcpy(v.data(), host.floats(), params_n_ * sizeof(float));
    return v;
}

void GpuMlp::write_momentum(std::span<const float> v) {
    if (v.size() != params_n_) throw std::invalid_argument("GpuMlp::write_momentum: the sizes differ");
    PinnedBuffer host = gpu_.pinned_floats(params_n_);
    std::memcpy(host.floats(), v.data(), v.size_bytes());
    gpu_.copy_h2d(velocity_.data(), host.data(), v.size_bytes(), GpuStream::compute);
    gpu_.synchronize(GpuStream::compute);  // `host` is freed on return
}

void GpuMlp::read_layer(size_t l, std::vector<float>& w, std::vector<float>& b) {
    if (l + 1 >= widths_.size()) throw std::out_of_range("GpuMlp::read_layer: no layer " + std::to_string(l));
    w.resize(static_cast<size_t>(widths_[l]) * widths_[l + 1]);
    b.resize(static_cast<size_t>(widths_[l + 1]));
    gpu_.synchronize(GpuStream::compute);
    PinnedBuffer host = gpu_.pinned_floats(w.size() + b.size());
    gpu_.copy_d2h(host.floats(), weights(l), w.size() * sizeof(float), GpuStream::compute);
    gpu_.copy_d2h(host.floats() + w.size(), biases(l), b.size() * sizeof(float), GpuStream::compute);
    gpu_.synchronize(GpuStream::compute);
    std::memcpy(w.data(), host.floats(), w.size() * sizeof(float));
    std::memcpy(b.data(), host.floats() + w.size(), b.size() * sizeof(float));
}

int GpuMlp::stage(const float* x, const int32_t* y, int b) {
    return stage_impl(x, static_cast<size_t>(std::max(b, 0)) * widths_[0] * sizeof(float), nullptr, y, b, true);
}
int GpuMlp::stage_pinned(const float* x, const int32_t* y, int b) {
    return stage_impl(x, static_cast<size_t>(std::max(b, 0)) * widths_[0] * sizeof(float), nullptr, y, b, false);
}

int GpuMlp::stage_u8(const uint8_t* pixels, const int32_t* y, int b, int channels, const std::array<float, 3>& scale,
                     const std::array<float, 3>& bias, bool page_locked) {
    if (!gpu_.device_collate())
        throw GpuError(GpuErrc::unsupported, "the GPU plugin has no device collate (it was built before it)");
    if ((channels != 1 && channels != 3) || widths_[0] % channels != 0)
        throw std::invalid_argument("GpuMlp::stage_u8: " + std::to_string(channels) + " channels do not divide " +
                                    std::to_string(widths_[0]) + " inputs");
    Slot& next = slots_[static_cast<size_t>(next_slot_)];
    if (!next.pixels) {
        // Before the slot is taken: a failure leaves the model as it was. Freeing nothing, this
        // waits for no stream.
        const size_t bytes = static_cast<size_t>(max_batch_) * widths_[0];
        next.pixels = gpu_.device(bytes);
        device_bytes_ += bytes;
    }
    const int si = stage_impl(pixels, static_cast<size_t>(std::max(b, 0)) * widths_[0], next.pixels.data(), y, b,
                              !page_locked);
    Slot& s = slots_[static_cast<size_t>(si)];
    s.collate = true;
    s.channels = channels;
    s.scale = scale;
    s.bias = bias;
    return si;
}

int GpuMlp::take_slot(int b, const char* what) {
    if (b <= 0 || b > max_batch_)
        throw std::invalid_argument(std::string("GpuMlp::") + what + ": batch of " + std::to_string(b) +
                                    " rows, this model holds 1.." + std::to_string(max_batch_));
    const int si = next_slot_;
    next_slot_ = (next_slot_ + 1) % kSlots;
    return si;
}

// x_bytes of x go to x_dev (null: the slot's float input), y (if any) to the slot's labels.
int GpuMlp::stage_impl(const void* x, size_t x_bytes, void* x_dev, const int32_t* y, int b, bool via_slot) {
    const int si = take_slot(b, "stage");
    Slot& s = slots_[si];
    const size_t y_bytes = static_cast<size_t>(b) * sizeof(int32_t);
    if (via_slot) {
        // The host side of the slot is rewritten now: its previous copy must be over.
        if (s.staged) gpu_.synchronize(s.copied);
        std::memcpy(s.x_host.data(), x, x_bytes);
        if (y) std::memcpy(s.y_host.data(), y, y_bytes);
        x = s.x_host.data();
        y = y ? s.y_host.ints() : nullptr;
    }
    // The device side: the step that last read this slot must be done before the copy lands.
    if (s.staged) gpu_.wait(GpuStream::copy, s.consumed);
    const GpuBackend::Tag tag(gpu_, profiler::Phase::H2D);  // CUPTI: these copies are the iteration's h2d
    gpu_.record(s.copy_start, GpuStream::copy);
    gpu_.copy_h2d(x_dev ? x_dev : s.x.data(), x, x_bytes, GpuStream::copy);
    if (y) gpu_.copy_h2d(s.y.data(), y, y_bytes, GpuStream::copy);  // none when serving
    gpu_.record(s.copied, GpuStream::copy);
    s.rows = b;
    s.staged = true;
    s.collate = false;
    return si;
}

const float* GpuMlp::forward(Slot& s) {
    const int b = s.rows;
    const float* in = s.x.floats();
    const size_t layers = widths_.size() - 1;
    for (size_t l = 0; l < layers; ++l) {
        const int fan_in = widths_[l], out = widths_[l + 1];
        gpu_.sgemm(false, true, b, out, fan_in, 1.f, in, fan_in, weights(l), fan_in, 0.f, z_[l].floats(), out);
        const bool hidden = l + 1 < layers;
        gpu_.bias_activation(hidden ? GpuActivation::relu : GpuActivation::identity, z_[l].floats(), biases(l),
                             hidden ? a_[l].floats() : nullptr, b, out);
        in = hidden ? a_[l].floats() : z_[l].floats();
    }
    return in;
}

void GpuMlp::step(int slot, float lr, float momentum) {
    Slot& s = slots_.at(static_cast<size_t>(slot));
    if (!s.staged) throw std::logic_error("GpuMlp::step: nothing staged in slot " + std::to_string(slot));
    const int b = s.rows;
    const size_t layers = widths_.size() - 1;
    const int classes = widths_.back();
    gpu_.record(s.step_begin, GpuStream::compute);
    gpu_.wait(GpuStream::compute, s.copied);
    {
        const GpuBackend::Tag tag(gpu_, profiler::Phase::Compute);
        gpu_.record(s.compute_start, GpuStream::compute);
        if (s.collate)  // an 8-bit batch: its floats made here, on the compute stream
            gpu_.collate_u8(static_cast<const uint8_t*>(s.pixels.data()), b, widths_[0] / s.channels, s.channels, s.scale,
                            s.bias, s.x.floats());
        const float* logits = forward(s);
        gpu_.softmax_xent(logits, s.y.ints(), b, classes, 1.f / static_cast<float>(b), row_loss_.floats(),
                          dz_.floats());
        gpu_.sum(row_loss_.floats(), static_cast<size_t>(b), s.loss.floats());
        for (size_t l = layers; l-- > 0;) {
            const int fan_in = widths_[l], out = widths_[l + 1];
            const float* in = l == 0 ? s.x.floats() : a_[l - 1].floats();
            // dW = dZ^T A_in, db = column sums of dZ.
            gpu_.sgemm(true, false, out, fan_in, b, 1.f, dz_.floats(), out, in, fan_in, 0.f,
                       grads_.floats() + w_off_[l], fan_in);
            gpu_.column_sum(dz_.floats(), b, out, 0.f, grads_.floats() + b_off_[l]);
            if (l == 0) break;
            // dA_in = dZ W, then through the ReLU of the layer below (its pre-activation z).
            gpu_.sgemm(false, false, b, fan_in, out, 1.f, dz_.floats(), out, weights(l), fan_in, 0.f, da_.floats(),
                       fan_in);
            gpu_.activation_backward(GpuActivation::relu, z_[l - 1].floats(), da_.floats(), dz_.floats(),
                                     static_cast<size_t>(b) * fan_in);
        }
        gpu_.sgd_momentum(params_.floats(), velocity_.floats(), grads_.floats(), params_n_, lr, momentum, 0.f);
        gpu_.record(s.consumed, GpuStream::compute);
    }
    // The loss read back: the last GPU work of a step (GpuIterationJoin waits for its record).
    const GpuBackend::Tag tag(gpu_, profiler::Phase::D2H);
    gpu_.copy_d2h(s.loss_host.data(), s.loss.data(), sizeof(float), GpuStream::compute);
    gpu_.record(s.loss_ready, GpuStream::compute);
}

float GpuMlp::loss(int slot) {
    Slot& s = slots_.at(static_cast<size_t>(slot));
    gpu_.synchronize(s.loss_ready);
    return *s.loss_host.floats() / static_cast<float>(s.rows);
}

float GpuMlp::train_step(const float* x, const int32_t* y, int b, float lr, float momentum) {
    const int slot = stage(x, y, b);
    step(slot, lr, momentum);
    return loss(slot);
}

int64_t GpuMlp::count_correct(int slot) {
    Slot& s = slots_.at(static_cast<size_t>(slot));
    if (!s.staged) throw std::logic_error("GpuMlp::count_correct: nothing staged in slot " + std::to_string(slot));
    gpu_.wait(GpuStream::compute, s.copied);
    const float* logits = forward(s);
    gpu_.argmax_match(logits, s.y.ints(), s.rows, widths_.back(), row_correct_.floats());
    gpu_.sum(row_correct_.floats(), static_cast<size_t>(s.rows), correct_.floats());
    gpu_.record(s.consumed, GpuStream::compute);
    gpu_.copy_d2h(correct_host_.data(), correct_.data(), sizeof(float), GpuStream::compute);
    gpu_.synchronize(GpuStream::compute);
    return static_cast<int64_t>(*correct_host_.floats() + 0.5f);
}

void GpuMlp::predict(int slot, float* logits_host) {
    Slot& s = slots_.at(static_cast<size_t>(slot));
    if (!s.staged) throw std::logic_error("GpuMlp::predict: nothing staged in slot " + std::to_string(slot));
    gpu_.wait(GpuStream::compute, s.copied);
    gpu_.record(s.compute_start, GpuStream::compute);
    const float* logits = forward(s);
    gpu_.record(s.consumed, GpuStream::compute);
    gpu_.copy_d2h(logits_host, logits, static_cast<size_t>(s.rows) * widths_.back() * sizeof(float), GpuStream::compute);
    gpu_.record(s.loss_ready, GpuStream::compute);
}

// ---- Serving through CUDA graphs --------------------------------------------------------------

void GpuMlp::set_cuda_graphs(bool on) {
    graphs_.clear();
    warmed_.clear();
    graphs_frozen_ = false;
    uncaptured_ = 0;
    graph_note_.clear();
    graphs_on_ = on;
    if (on && !gpu_.graphs()) graphs_off("the GPU plugin has no CUDA graphs (it was built before them)");
}

void GpuMlp::graphs_off(const std::string& why) {
    graphs_on_ = false;
    graph_note_ = why;
    graphs_.clear();
}

// The whole serving path of one batch on the compute stream (in a graph, the events are nodes).
void GpuMlp::enqueue_serving(Slot& s, const float* x, int b, float* logits_host) {
    s.rows = b;
    gpu_.record(s.copy_start, GpuStream::compute);
    gpu_.copy_h2d(s.x.data(), x, static_cast<size_t>(b) * widths_[0] * sizeof(float), GpuStream::compute);
    gpu_.record(s.copied, GpuStream::compute);
    gpu_.record(s.compute_start, GpuStream::compute);
    const float* logits = forward(s);
    gpu_.record(s.consumed, GpuStream::compute);
    gpu_.copy_d2h(logits_host, logits, static_cast<size_t>(b) * widths_.back() * sizeof(float), GpuStream::compute);
    gpu_.record(s.loss_ready, GpuStream::compute);
}

GpuGraph GpuMlp::capture(Slot& s, const float* x, int b, float* logits_host) {
    gpu_.begin_capture(GpuStream::compute);
    try {
        enqueue_serving(s, x, b, logits_host);
    } catch (...) {
        try {
            (void)gpu_.end_capture(GpuStream::compute);  // leaves capture mode; the first error is the one to tell
        } catch (...) {
        }
        throw;
    }
    return gpu_.end_capture(GpuStream::compute);
}

int GpuMlp::graph_rows(int b) const noexcept {
    int rows = b <= 4 ? b : 8;
    while (rows < b) rows *= 2;
    return std::min(rows, max_batch_);
}

std::vector<int> GpuMlp::graph_sizes() const {
    std::vector<int> sizes;
    for (int b = 1; b <= max_batch_; b = graph_rows(b + 1)) {
        sizes.push_back(b);
        if (b == max_batch_) break;
    }
    return sizes;
}

int GpuMlp::predict_pinned(const float* x_pinned, int b_asked, float* logits_host) {
    if (!graphs_on_) {
        const int slot = stage_pinned(x_pinned, nullptr, b_asked);
        predict(slot, logits_host);
        return slot;
    }
    // Padded to a graph size (the serving warm-up's): a batch size the dynamic batcher forms
    // between them replays a graph instead of being captured on the request path (a latency spike
    // each, and one graph per size). The rows beyond b_asked compute whatever the buffer holds there;
    // their logits are not read.
    if (b_asked <= 0 || b_asked > max_batch_) (void)take_slot(b_asked, "predict_pinned");  // throws, saying why
    const int b = graph_rows(b_asked);
    const int si = take_slot(b, "predict_pinned");
    Slot& s = slots_[si];
    // Outside the graph: the slot's last H2D copy may have run uncaptured on the copy stream.
    if (s.staged) gpu_.wait(GpuStream::compute, s.copied);
    s.staged = true;
    s.collate = false;
    s.rows = b;
    // CUPTI: push/pop are host calls, never captured. A replay's kernels and copies carry the
    // correlation id of its launch, so tagging the launch joins them to this batch (all in phase
    // Compute; the copies keep their direction). The uncaptured batches are tagged the same way.
    const GpuBackend::Tag tag(gpu_, profiler::Phase::Compute);
    const GraphKey key{b, si, x_pinned, logits_host};
    auto it = graphs_.find(key);
    if (it == graphs_.end() && (graphs_frozen_ || graphs_.size() >= max_graphs_)) {
        // No capture here: this batch would pay for it (and the graphs stay bounded).
        ++uncaptured_;
        enqueue_serving(s, x_pinned, b, logits_host);
        return si;
    }
    if (it == graphs_.end() && warmed_.insert(b).second) {
        // A batch size's first batch runs uncaptured on the same stream: cuBLAS picks and sets up
        // what it needs for these shapes (workspace, kernels) before a capture, where it could not.
        enqueue_serving(s, x_pinned, b, logits_host);
        return si;
    }
    try {
        if (it == graphs_.end()) it = graphs_.emplace(key, capture(s, x_pinned, b, logits_host)).first;
        gpu_.launch(it->second, GpuStream::compute);
        return si;
    } catch (const GpuError& e) {
        graphs_off(std::string(it == graphs_.end() ? "capturing" : "launching") + " a CUDA graph for a batch of " +
                   std::to_string(b) + " failed (" + e.what() + "): serving without graphs");
    }
    enqueue_serving(s, x_pinned, b, logits_host);  // nothing of the failed graph ran
    return si;
}

bool GpuMlp::check_cuda_graphs(const float* x_pinned, int b, float* logits_host) {
    if (!graphs_on_) return false;
    const size_t n = static_cast<size_t>(b) * widths_.back();
    graphs_on_ = false;
    const int plain = predict_pinned(x_pinned, b, logits_host);
    gpu_.synchronize(result_ready(plain));
    const std::vector<float> expected(logits_host, logits_host + n);
    graphs_on_ = true;
    // The size's uncaptured first batch, then each slot's graph: captured and launched.
    for (int i = 0; i < kSlots + 1 && graphs_on_; ++i) {
        std::fill(logits_host, logits_host + n, std::nanf(""));
        const int slot = predict_pinned(x_pinned, b, logits_host);
        gpu_.synchronize(result_ready(slot));
        for (size_t k = 0; k < n && graphs_on_; ++k) {
            const float tol = 1e-5f * std::max(1.f, std::fabs(expected[k]));
            if (!(std::fabs(logits_host[k] - expected[k]) <= tol))
                graphs_off(std::string("a CUDA graph's logits differ from the uncaptured forward pass (logit ") + std::to_string(k) +
                           ": " + std::to_string(logits_host[k]) + " vs " + std::to_string(expected[k]) +
                           "): serving without graphs");
        }
    }
    return graphs_on_;
}

}  // namespace batchscope::engine
