// The layer stack's Backend on the GPU: GpuBackend (the plugin's compute table) behind the
// model::Backend interface. Buffers come from the device pool and are counted per MemoryKind;
// GEMM is cuBLAS (TF32 when the GpuBackend was opened with it); everything runs on the compute
// stream in order, except a pipelined step's batch: it goes up on the copy stream through one of
// two page-locked upload slots while the step before computes. Other host data (dropout masks,
// evaluation batches, parameters) goes in through a page-locked staging ring on the compute
// stream; the losses and the accuracy are reduced on the device and come back as one float each.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "batchscope/engine/model/gpu_model.h"

namespace batchscope::engine::model {
namespace {

GpuActivation gpu_act(Activation a) { return a == Activation::Relu ? GpuActivation::relu : GpuActivation::gelu; }

class GpuLayerBackend final : public Backend {
public:
    GpuLayerBackend(std::unique_ptr<GpuBackend> gpu, size_t conv_chunk_floats)
        : gpu_(std::move(gpu)), conv_chunk_floats_(conv_chunk_floats) {
        for (GpuEvent& e : marks_) e = gpu_->event();
        staged_ = gpu_->event();
        loss_ready_ = gpu_->event();
        fence_ = gpu_->event();
        for (UploadSlot& s : uploads_) {
            s.copied = gpu_->event();
            s.consumed = gpu_->event();
        }
    }

    std::string name() const override {
        const GpuProbeResult& p = gpu_->probe();
        return std::string("CUDA, ") + (p.device_name.empty() ? "device" : p.device_name) +
               (gpu_->tf32() ? ", TF32" : ", FP32") + ", layer stack";
    }
    void set_threads(int) override {}  // the host threads do not compute here
    bool host_memory() const noexcept override { return false; }

    Buffer allocate(size_t n, MemoryKind kind) override {
        const size_t bytes = std::max<size_t>(1, n) * sizeof(float);
        DeviceBuffer d;
        try {
            d = gpu_->device(bytes);
        } catch (const GpuError& e) {
            if (e.code() == GpuErrc::out_of_memory)
                throw DeviceOutOfMemory(std::string(e.what()) + " (for " + std::to_string(bytes) + " bytes of " +
                                        to_string(kind) + ")");
            throw;
        }
        {
            // The zero fill is device work of the iteration that needs the buffer (a step's
            // activations grow on its first batch, an upload slot when the batch is staged): it
            // carries the run's work id, as the step's kernels do, or CUPTI leaves it untagged
            // inside that iteration's window. Outside a step (no work id) nothing is pushed.
            const GpuBackend::Tag tag(*gpu_, profiler::Phase::Compute);
            gpu_->fill(d.floats(), std::max<size_t>(1, n), 0.f);
        }
        float* p = d.floats();
        std::lock_guard lock(m_);
        ++allocations_;
        live_.emplace(p, std::move(d));
        stats_.bytes[static_cast<size_t>(kind)] += static_cast<int64_t>(n * sizeof(float));
        stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.total());
        return Buffer(this, p, n, kind);
    }
    MemoryStats memory() const override {
        std::lock_guard lock(m_);
        return stats_;
    }
    int64_t device_available() override {
        gpu_->release_cached();
        const GpuMemoryStats s = gpu_->memory_stats();
        return static_cast<int64_t>(s.device_free_bytes);
    }

    // Device to device: the identity "activation" kernel (the table has no device copy).
    void copy(float* dst, const float* src, size_t n) override {
        if (n) gpu_->activation(GpuActivation::identity, src, dst, n);
    }
    void copy_in(void* dst, const void* host_src, size_t bytes) override {
        if (!bytes) return;
        const size_t padded = (bytes + 255) / 256 * 256;
        if (stage_used_ + padded > staging_.bytes()) {
            if (stage_used_) gpu_->synchronize(staged_);  // the copies from the ring are done
            stage_used_ = 0;
            if (padded > staging_.bytes()) {
                staging_.reset();
                staging_ = gpu_->pinned(std::max<size_t>(4 * padded, 2 * staging_bytes_hint_));  // a few batches
                staging_bytes_hint_ = staging_.bytes();
            }
        }
        char* s = static_cast<char*>(staging_.data()) + stage_used_;
        std::memcpy(s, host_src, bytes);
        gpu_->copy_h2d(dst, s, bytes, GpuStream::compute);
        gpu_->record(staged_, GpuStream::compute);
        stage_used_ += padded;
    }
    void copy_out(void* host_dst, const void* src, size_t bytes) override {
        if (!bytes) return;
        if (readback_.bytes() < bytes) {
            readback_.reset();
            readback_ = gpu_->pinned(bytes);
        }
        gpu_->copy_d2h(readback_.data(), src, bytes, GpuStream::compute);
        gpu_->synchronize(GpuStream::compute);
        std::memcpy(host_dst, readback_.data(), bytes);
    }
    void zero(float* dst, size_t n) override {
        if (n) gpu_->fill(dst, n, 0.f);
    }

    void mark(StepMark m) override {
        gpu_->record(marks_[static_cast<size_t>(m)], GpuStream::compute);
        // CUPTI: the uploads are the iteration's h2d, the rest of the step (the loss read back
        // included: it comes before the backward pass) its compute.
        tag_.reset();
        if (m == StepMark::Begin) tag_.emplace(*gpu_, profiler::Phase::H2D);
        if (m == StepMark::InputCopied) tag_.emplace(*gpu_, profiler::Phase::Compute);
        if (m == StepMark::End) timed_ = true;
    }
    void abandon_step() noexcept override { tag_.reset(); }
    GpuBackend* gpu() noexcept override { return gpu_.get(); }
    bool step_times(int64_t& h2d_ns, int64_t& compute_ns) override {
        h2d_ns = compute_ns = 0;
        if (!timed_) return true;  // no step yet
        GpuEvent* e = marks_;
        gpu_->synchronize(e[2]);
        h2d_ns = static_cast<int64_t>(gpu_->elapsed_ms(e[0], e[1]) * 1e6);
        compute_ns = static_cast<int64_t>(gpu_->elapsed_ms(e[1], e[2]) * 1e6);
        return true;
    }

    // Pipelined steps: each slot's uploads go through its own page-locked buffer on the copy
    // stream; `copied` orders the step's compute after them, `consumed` the slot's next upload
    // after that step. Tagged h2d with the work id the run set (the iteration the batch is for).
    bool pipelined() const noexcept override { return true; }
    void stage_upload(int slot, std::span<const Upload> parts, bool page_locked) override {
        UploadSlot& s = upload_slot(slot);
        if (!page_locked) {
            size_t total = 0;
            for (const Upload& u : parts) total += (u.bytes + 255) / 256 * 256;
            if (s.copying) gpu_->synchronize(s.copied);  // the host side is rewritten: its last copy is over
            if (s.host.bytes() < total) {
                s.host.reset();
                s.host = gpu_->pinned(std::max<size_t>(total, 256));
            }
            char* h = static_cast<char*>(s.host.data());
            for (const Upload& u : parts) {
                if (u.bytes) std::memcpy(h, u.src, u.bytes);
                h += (u.bytes + 255) / 256 * 256;
            }
        }
        if (s.read) gpu_->wait(GpuStream::copy, s.consumed);  // the step that last read the slot is done
        // A buffer allocated since (a slot grown for a larger batch) is zero-filled on the compute
        // stream: the copy must land after that fill, so it waits for the compute stream's work
        // (rare: the overlap is lost for this one batch, never the data).
        if (const uint64_t a = allocation_count(); a != s.allocations_seen) {
            gpu_->record(fence_, GpuStream::compute);
            gpu_->wait(GpuStream::copy, fence_);
            s.allocations_seen = a;
        }
        const GpuBackend::Tag tag(*gpu_, profiler::Phase::H2D);
        const char* h = page_locked ? nullptr : static_cast<const char*>(s.host.data());
        for (const Upload& u : parts) {
            if (u.bytes) gpu_->copy_h2d(u.dst, page_locked ? u.src : h, u.bytes, GpuStream::copy);
            if (h) h += (u.bytes + 255) / 256 * 256;
        }
        gpu_->record(s.copied, GpuStream::copy);
        s.copying = true;
    }
    void wait_uploads() override { gpu_->synchronize(GpuStream::copy); }
    bool device_collate() const noexcept override { return gpu_->device_collate(); }
    void collate_u8(const void* hwc, int n, int pixels, int channels, const std::array<float, 3>& scale,
                    const std::array<float, 3>& bias, float* chw) override {
        gpu_->collate_u8(static_cast<const uint8_t*>(hwc), n, pixels, channels, scale, bias, chw);
    }
    void wait_upload(int slot) override { gpu_->wait(GpuStream::compute, upload_slot(slot).copied); }
    void release_slot(int slot) override {
        UploadSlot& s = upload_slot(slot);
        gpu_->record(s.consumed, GpuStream::compute);
        s.read = true;
    }
    void softmax_xent_pending(const float* z, const int32_t* y, int b, int classes, float* dz) override {
        float* rows = row_buffer(b);
        gpu_->softmax_xent(z, y, b, classes, 1.f / static_cast<float>(b), rows, dz);
        pending_sum_ = rows + b;
        gpu_->sum(rows, static_cast<size_t>(b), pending_sum_);
    }
    void hinge_pending(const float* z, const int32_t* y, int b, int classes, float margin, float* dz) override {
        float* rows = row_buffer(b);
        gpu_->hinge(z, y, b, classes, 1.f / static_cast<float>(b), margin, rows, dz);
        pending_sum_ = rows + b;
        gpu_->sum(rows, static_cast<size_t>(b), pending_sum_);
    }
    // The loss read back: the last GPU work of a step (GpuIterationJoin completes the iteration
    // when its copy tagged D2H arrives).
    void queue_loss_read() override {
        if (!pending_sum_) throw std::logic_error("GpuLayerBackend::queue_loss_read: no pending loss");
        if (!loss_host_) loss_host_ = gpu_->pinned(sizeof(float));
        const GpuBackend::Tag tag(*gpu_, profiler::Phase::D2H);
        gpu_->copy_d2h(loss_host_.data(), pending_sum_, sizeof(float), GpuStream::compute);
        gpu_->record(loss_ready_, GpuStream::compute);
        pending_sum_ = nullptr;
        loss_queued_ = true;
    }
    double loss_result() override {
        if (!loss_queued_) throw std::logic_error("GpuLayerBackend::loss_result: no loss read queued");
        gpu_->synchronize(loss_ready_);
        loss_queued_ = false;
        return static_cast<double>(*loss_host_.floats());
    }

    void gemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
              int ldb, float beta, float* c, int ldc) override {
        gpu_->sgemm(ta == Transpose::Yes, tb == Transpose::Yes, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    void add_bias(float* y, const float* bias, int outer, int channels, int inner) override {
        gpu_->bias_add(y, bias, outer, channels, inner);
    }
    void bias_grad(const float* dy, int outer, int channels, int inner, float* gb) override {
        gpu_->bias_grad(dy, outer, channels, inner, gb);
    }
    void activation(Activation a, const float* x, float* y, size_t n) override { gpu_->activation(gpu_act(a), x, y, n); }
    void activation_grad(Activation a, const float* x, const float* dy, float* dx, size_t n) override {
        gpu_->activation_backward(gpu_act(a), x, dy, dx, n);
    }
    void dropout(const float* x, const float* keep, float scale, float* y, size_t n) override {
        gpu_->dropout(x, keep, scale, y, n);
    }
    void dropout_grad(const float* dy, const float* keep, float scale, float* dx, size_t n) override {
        gpu_->dropout_grad(dy, keep, scale, dx, n);
    }
    void im2col(const float* x, int c, int h, int w, int k, int stride, int pad, float* col) override {
        gpu_->im2col(x, c, h, w, k, stride, pad, col);
    }
    void col2im(const float* col, int c, int h, int w, int k, int stride, int pad, float* x) override {
        gpu_->col2im(col, c, h, w, k, stride, pad, x);
    }
    size_t conv_chunk_floats() const noexcept override { return conv_chunk_floats_; }
    void im2col_batch(const float* x, int n, int c, int h, int w, int k, int stride, int pad, float* col) override {
        gpu_->im2col_batch(x, n, c, h, w, k, stride, pad, col);
    }
    void col2im_batch(const float* col, int n, int c, int h, int w, int k, int stride, int pad, float* x) override {
        gpu_->col2im_batch(col, n, c, h, w, k, stride, pad, x);
    }
    void transpose_outer(const float* x, int a, int b, int inner, float* y) override {
        gpu_->transpose_outer(x, a, b, inner, y);
    }
    void maxpool(const float* x, int planes, int h, int w, int k, int s, float* y, int32_t* arg) override {
        gpu_->maxpool(x, planes, h, w, k, s, y, arg);
    }
    void maxpool_grad(const float* dy, const int32_t* arg, int planes, int h, int w, int k, int s,
                      float* dx) override {
        gpu_->maxpool_grad(dy, arg, planes, h, w, k, s, dx);
    }

    // Per-row losses on the device, summed there; one float comes back.
    double softmax_xent(const float* z, const int32_t* y, int b, int classes, float* dz) override {
        float* rows = row_buffer(b);
        gpu_->softmax_xent(z, y, b, classes, 1.f / static_cast<float>(b), rows, dz);
        return reduce(rows, b);
    }
    double hinge(const float* z, const int32_t* y, int b, int classes, float margin, float* dz) override {
        float* rows = row_buffer(b);
        gpu_->hinge(z, y, b, classes, 1.f / static_cast<float>(b), margin, rows, dz);
        return reduce(rows, b);
    }
    int64_t count_correct(const float* z, const int32_t* y, int b, int classes) override {
        float* rows = row_buffer(b);
        gpu_->argmax_match(z, y, b, classes, rows);
        return std::llround(reduce(rows, b));  // 0/1 per row: exact in float up to 2^24 rows
    }

    void sgd_momentum(float* w, float* v, const float* g, size_t n, float lr, float momentum,
                      float weight_decay) override {
        gpu_->sgd_momentum(w, v, g, n, lr, momentum, weight_decay);
    }
    void adam(float* w, float* m, float* v, const float* g, size_t n, float lr, float beta1, float beta2, float eps,
              float weight_decay, int64_t step) override {
        gpu_->adam(w, m, v, g, n, lr, beta1, beta2, eps, weight_decay, static_cast<int>(std::min<int64_t>(step, std::numeric_limits<int32_t>::max())));
    }

protected:
    void free_buffer(float* p, size_t n, MemoryKind kind) noexcept override {
        std::lock_guard lock(m_);
        live_.erase(p);
        stats_.bytes[static_cast<size_t>(kind)] -= static_cast<int64_t>(n * sizeof(float));
    }

private:
    struct UploadSlot {
        PinnedBuffer host;
        GpuEvent copied, consumed;
        bool copying = false, read = false;
        uint64_t allocations_seen = 0;  // allocate() calls before this slot's last upload
    };
    uint64_t allocation_count() const {
        std::lock_guard lock(m_);
        return allocations_;
    }
    UploadSlot& upload_slot(int slot) {
        if (slot < 0 || slot >= kUploadSlots)
            throw std::out_of_range("GpuLayerBackend: no upload slot " + std::to_string(slot));
        return uploads_[static_cast<size_t>(slot)];
    }
    // b floats of device scratch for per-row results, plus one for their sum (Workspace).
    float* row_buffer(int b) {
        ensure(rows_, static_cast<size_t>(b) + 1, MemoryKind::Workspace);
        return rows_.data();
    }
    double reduce(float* rows, int b) {
        float* total = rows + b;
        gpu_->sum(rows, static_cast<size_t>(b), total);
        float host = 0.f;
        copy_out(&host, total, sizeof host);
        return static_cast<double>(host);
    }

    std::unique_ptr<GpuBackend> gpu_;
    size_t conv_chunk_floats_;
    mutable std::mutex m_;
    std::unordered_map<float*, DeviceBuffer> live_;
    MemoryStats stats_;
    PinnedBuffer staging_, readback_;
    size_t stage_used_ = 0, staging_bytes_hint_ = 1 << 16;
    GpuEvent staged_;   // after the last copy out of the staging ring
    std::array<UploadSlot, kUploadSlots> uploads_;  // pipelined steps' batches
    PinnedBuffer loss_host_;                       // the pending loss, read back
    GpuEvent loss_ready_;
    GpuEvent fence_;              // the compute stream's work so far, for a copy that must follow it
    uint64_t allocations_ = 0;    // allocate() calls (under m_)
    float* pending_sum_ = nullptr;  // device float the last *_pending loss summed into
    bool loss_queued_ = false;
    std::optional<GpuBackend::Tag> tag_;  // CUPTI tag of the step phase under way (declared after gpu_)
    GpuEvent marks_[3];  // StepMark::Begin, InputCopied, End
    bool timed_ = false;  // a whole step has been marked
    Buffer rows_;        // declared last: given back before the pool above goes
};

}  // namespace

std::unique_ptr<Backend> make_gpu_layer_backend(std::unique_ptr<GpuBackend> gpu, size_t conv_chunk_floats) {
    if (!gpu) throw std::invalid_argument("make_gpu_layer_backend: no GPU backend");
    if (conv_chunk_floats == 0) throw std::invalid_argument("make_gpu_layer_backend: the convolution chunk needs room");
    return std::make_unique<GpuLayerBackend>(std::move(gpu), conv_chunk_floats);
}

}  // namespace batchscope::engine::model
