#pragma once
// The compute backend the model layers call: buffers (with memory accounting), GEMM, the
// element-wise loops of elementwise_math.h, reductions and the layout transforms of convolution.
// Pointers passed to a backend's functions are the backend's own memory (host memory for the
// CPU backend; device memory for a GPU backend behind the same interface).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace batchscope::engine {
class GpuBackend;
}

namespace batchscope::engine::model {

// What a buffer holds, for the memory accounting.
enum class MemoryKind : uint8_t { Weights = 0, Gradients, OptimizerState, Activations, Workspace, Count };
const char* to_string(MemoryKind k) noexcept;  // "weights", "gradients", ...

struct MemoryStats {
    std::array<int64_t, static_cast<size_t>(MemoryKind::Count)> bytes{};  // live, per kind
    int64_t peak_bytes = 0;                                               // of the total
    int64_t total() const noexcept;
    int64_t of(MemoryKind k) const noexcept { return bytes[static_cast<size_t>(k)]; }
};

enum class Activation : uint8_t { Relu, Gelu };
enum class Transpose : uint8_t { No, Yes };

class Backend;

// A device backend could not get the memory it asked for (host memory failures stay
// std::bad_alloc). The message says what was asked for and, from the model, what to change.
class DeviceOutOfMemory : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Points in a training step a device backend times (CUDA events); the CPU ignores them.
enum class StepMark : uint8_t { Begin, InputCopied, End };

// A float buffer owned by a backend; returns its memory (and its accounting) when destroyed.
class Buffer {
public:
    Buffer() = default;
    Buffer(Backend* owner, float* p, size_t n, MemoryKind k) : owner_(owner), p_(p), n_(n), kind_(k) {}
    Buffer(Buffer&& o) noexcept { *this = std::move(o); }
    Buffer& operator=(Buffer&& o) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { release(); }

    float* data() noexcept { return p_; }
    const float* data() const noexcept { return p_; }
    size_t size() const noexcept { return n_; }
    MemoryKind kind() const noexcept { return kind_; }
    void release() noexcept;

private:
    Backend* owner_ = nullptr;
    float* p_ = nullptr;
    size_t n_ = 0;
    MemoryKind kind_ = MemoryKind::Workspace;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // "CPU, OpenBLAS 0.3.21 ..."
    virtual void set_threads(int n) = 0;   // GEMM threads

    // n floats, zero-filled. Throws std::bad_alloc when the memory is not there.
    virtual Buffer allocate(size_t n, MemoryKind kind) = 0;
    // Grows `b` to at least n floats (contents not kept); a no-op when already large enough.
    void ensure(Buffer& b, size_t n, MemoryKind kind);
    virtual MemoryStats memory() const = 0;

    // dst = src, n floats, both in this backend's memory.
    virtual void copy(float* dst, const float* src, size_t n) = 0;

    // Whether this backend's memory is host memory (the CPU): then callers pass host pointers
    // straight in and need none of the copies below.
    virtual bool host_memory() const noexcept { return true; }
    // Host memory in (a page-locked staged upload on a GPU) and out (waits for the data); a plain
    // memcpy on the CPU.
    virtual void copy_in(void* dst, const void* host_src, size_t bytes);
    virtual void copy_out(void* host_dst, const void* src, size_t bytes);
    // dst[0, n) = 0.
    virtual void zero(float* dst, size_t n);
    // Device backends: bytes the device can still give (free + what the pool caches); -1 on the CPU.
    virtual int64_t device_available() { return -1; }
    // Training-step timing on the device: mark() records, step_times() reads the last step's
    // host-to-device copy (Begin..InputCopied) and compute (InputCopied..End). False on the CPU.
    // On a GPU the marks also tag the step's work for CUPTI (Begin..InputCopied: h2d, then compute)
    // with the id the run set on the GpuBackend.
    virtual void mark(StepMark) {}
    // A step that failed between Begin and End: its CUPTI tag comes off (else the work launched
    // after it, evaluation's say, would carry its iteration id).
    virtual void abandon_step() noexcept {}
    // The GPU backend underneath (CUPTI, device memory); null on the CPU.
    virtual GpuBackend* gpu() noexcept { return nullptr; }
    virtual bool step_times(int64_t& h2d_ns, int64_t& compute_ns) {
        (void)h2d_ns, (void)compute_ns;
        return false;
    }

    // ---- Pipelined training steps (device backends, pipelined() true; never called on the CPU) ----
    // Two upload slots. stage_upload() copies the host parts into the slot's page-locked memory now
    // (once the slot's previous upload has finished) and queues their copies on the copy stream,
    // behind the step that last read the slot (release_slot); it does not wait for the device.
    // With page_locked, the parts' sources are page-locked already (the GPU backend's): their copies
    // read them directly, and they must stay unchanged until the slot's step has finished.
    // wait_uploads(): the host waits until every upload queued so far has read its source.
    // wait_upload(): the compute stream's next work waits for the slot's upload (an event).
    // release_slot(): the compute work queued so far is the last to read the slot's device buffers.
    struct Upload {
        void* dst;  // this backend's memory
        const void* src;  // host memory
        size_t bytes;
    };
    static constexpr int kUploadSlots = 2;
    virtual bool pipelined() const noexcept { return false; }
    virtual void stage_upload(int slot, std::span<const Upload> parts, bool page_locked);
    virtual void wait_uploads() {}
    // 8-bit batches converted on the device (false: not offered; the call then throws): n samples
    // of `pixels` x `channels` bytes (HWC) at `hwc` (this backend's memory, uploaded as bytes) into
    // CHW floats, byte * scale[c] + bias[c] with data::Collator's rounding (the same bits).
    virtual bool device_collate() const noexcept { return false; }
    virtual void collate_u8(const void* hwc, int n, int pixels, int channels, const std::array<float, 3>& scale,
                            const std::array<float, 3>& bias, float* chw);
    virtual void wait_upload(int slot);
    virtual void release_slot(int slot);
    // The losses as softmax_xent()/hinge(), their sum kept on the device with no read-back;
    // queue_loss_read() queues the sum's copy back (a step's last GPU work), loss_result() waits
    // for it and returns the summed loss.
    virtual void softmax_xent_pending(const float* z, const int32_t* y, int b, int classes, float* dz);
    virtual void hinge_pending(const float* z, const int32_t* y, int b, int classes, float margin, float* dz);
    virtual void queue_loss_read();
    virtual double loss_result();

    // C = alpha * op(A) * op(B) + beta * C, row-major; op(A) is m x k, op(B) k x n.
    virtual void gemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float beta, float* c, int ldc) = 0;

    // y[(o * channels + c) * inner + i] += bias[c]   (Linear: inner = 1; Conv2d: inner = h * w)
    virtual void add_bias(float* y, const float* bias, int outer, int channels, int inner) = 0;
    // gb[c] = sum over o, i of dy[(o * channels + c) * inner + i]
    virtual void bias_grad(const float* dy, int outer, int channels, int inner, float* gb) = 0;

    virtual void activation(Activation a, const float* x, float* y, size_t n) = 0;
    virtual void activation_grad(Activation a, const float* x, const float* dy, float* dx, size_t n) = 0;
    // keep: 0/1 per element (host-generated, seeded); scale = 1 / (1 - p).
    virtual void dropout(const float* x, const float* keep, float scale, float* y, size_t n) = 0;
    virtual void dropout_grad(const float* dy, const float* keep, float scale, float* dx, size_t n) = 0;

    // Per-sample (c x h x w) unfolding for a k x k convolution with stride and zero padding:
    // col is [c * k * k] x [oh * ow]. col2im adds the columns back into x (which it zeroes first).
    virtual void im2col(const float* x, int c, int h, int w, int k, int stride, int pad, float* col) = 0;
    virtual void col2im(const float* col, int c, int h, int w, int k, int stride, int pad, float* x) = 0;
    // Batched convolution: a backend that unfolds chunks of samples into one GEMM operand says how
    // many floats a chunk's columns may take (0: per sample, the CPU's way). im2col_batch/col2im_batch
    // are im2col/col2im over n samples side by side: col is [c * k * k] x [n * oh * ow]
    // (elementwise_math.h: im2col_batch_source, col2im_batch_gather); transpose_outer swaps the two
    // outer axes, [a][b][inner] -> [b][a][inner]. The base versions are host loops over that math.
    virtual size_t conv_chunk_floats() const noexcept { return 0; }
    virtual void im2col_batch(const float* x, int n, int c, int h, int w, int k, int stride, int pad, float* col);
    virtual void col2im_batch(const float* col, int n, int c, int h, int w, int k, int stride, int pad, float* x);
    virtual void transpose_outer(const float* x, int a, int b, int inner, float* y);
    // k x k max pooling, stride s, over `planes` planes of h x w; arg keeps the winners for backward.
    virtual void maxpool(const float* x, int planes, int h, int w, int k, int s, float* y, int32_t* arg) = 0;
    virtual void maxpool_grad(const float* dy, const int32_t* arg, int planes, int h, int w, int k, int s,
                              float* dx) = 0;

    // Losses over b rows of `classes` logits: dz = dLoss/dz / b; returns the summed (not mean) loss.
    virtual double softmax_xent(const float* z, const int32_t* y, int b, int classes, float* dz) = 0;
    virtual double hinge(const float* z, const int32_t* y, int b, int classes, float margin, float* dz) = 0;
    virtual int64_t count_correct(const float* z, const int32_t* y, int b, int classes) = 0;

    virtual void sgd_momentum(float* w, float* v, const float* g, size_t n, float lr, float momentum,
                              float weight_decay) = 0;
    virtual void adam(float* w, float* m, float* v, const float* g, size_t n, float lr, float beta1, float beta2,
                      float eps, float weight_decay, int64_t step) = 0;

protected:
    friend class Buffer;
    virtual void free_buffer(float* p, size_t n, MemoryKind kind) noexcept = 0;
};

// OpenBLAS GEMM plus loops over elementwise_math.h, `threads` BLAS threads.
std::unique_ptr<Backend> make_cpu_backend(int threads = 1);

}  // namespace batchscope::engine::model
