#pragma once
// What serves a batch of requests: the MLP from a checkpoint on Fashion-MNIST test samples, or a
// synthetic stand-in whose service time is chosen by the caller (tests, the server-scenario
// search, demonstrations of queueing without a model).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/image_dataset.h"
#include "batchscope/engine/infer/infer_config.h"

namespace batchscope::engine {
class GpuBackend;
}

namespace batchscope::engine::infer {

struct BatchTiming {
    int64_t h2d_ns = 0;      // copying the requests' inputs into the batch buffer (GPU: to the device)
    int64_t compute_ns = 0;  // the forward pass
    int64_t d2h_ns = 0;      // copying the answers (argmax of the logits) out (GPU: the logits back)
    // Where each phase began, in ns from the moment serve() was called (for trace events). On
    // the CPU the phases follow one another on the calling thread. On the GPU (`device`) they ran
    // on the copy and compute streams, timed with CUDA events, and are placed on the host clock
    // by their end: the last one ends when the host saw the results.
    int64_t h2d_at_ns = 0, compute_at_ns = 0, d2h_at_ns = 0;
    uint32_t h2d_bytes = 0, d2h_bytes = 0;  // bytes copied to and from the device (GPU only)
    bool device = false;
    bool h2d_on_compute_stream = false;  // GPU: the copy in ran on the compute stream (a CUDA graph replay)
};

class BatchService {
public:
    virtual ~BatchService() = default;
    virtual std::string model() const = 0;    // "MLP 784-256-128-10", "synthetic 200 us"
    virtual std::string dataset() const = 0;  // where the requests' samples come from
    virtual std::string backend() const = 0;  // "CPU, OpenBLAS ...", "CUDA, NVIDIA H100 ..., FP32"
    // How the phases of a batch are timed, one line: the host clock on the CPU; on a GPU, the
    // CUDA events serve() reads (an inference run traces the GPU with CUPTI when it can: the
    // run's GpuTimingStatus says which was used).
    virtual std::string timing() const { return "h2d, compute and d2h timed on the host clock"; }
    // The GPU backend the service runs on (CUPTI tagging by the inference run, device memory);
    // null on the CPU. Its work of a batch is tagged with the work id the run sets on it.
    virtual GpuBackend* gpu() noexcept { return nullptr; }
    virtual int64_t sample_count() const = 0; // requests carry samples 0..count-1
    // Called once before the stream starts, with the largest batch expected (allocations).
    virtual void warm_up(int max_batch) { (void)max_batch; }
    // Serves one batch. samples[i] is request i's sample; correct[i] becomes 1 or 0 when its
    // answer was checked against the label, -1 when it cannot be. Called from one thread at a time.
    virtual BatchTiming serve(std::span<const int64_t> samples, std::span<int8_t> correct) = 0;
};

// The model of `checkpoint` (any kind: logistic regression, SVM, MLP, CNN; the name is from when
// only MLPs existed) on the Fashion-MNIST test split (first `test_limit` samples, 0 = all;
// `data_dir` empty: Debian's package). Throws CheckpointError, DatasetError, or
// std::invalid_argument when the model's input or classes do not fit the dataset.
std::unique_ptr<BatchService> make_mlp_service(const std::string& checkpoint, const std::string& data_dir,
                                               int64_t test_limit = 0, int threads = 1);
// The same from a model in memory (`test` is moved in).
std::unique_ptr<BatchService> make_model_service(std::shared_ptr<const model::Model> model, const CheckpointInfo& info,
                                                 ImageDataset test, std::string model_name = {});
std::unique_ptr<BatchService> make_mlp_service(std::shared_ptr<const Mlp> model, const CheckpointInfo& info,
                                               ImageDataset test, std::string model_name = {});

// The model of cfg.checkpoint on cfg.backend: "cpu" (make_mlp_service) or "cuda"
// (make_gpu_model_service, gpu_service.h). Throws what those throw.
std::unique_ptr<BatchService> make_checkpoint_service(const InferConfig& cfg);

// Service time of batch number `batch_index` (0, 1, ...) of `n` requests, in nanoseconds.
using ServiceTimeFn = std::function<int64_t(int64_t batch_index, int n)>;
inline ServiceTimeFn fixed_service_time(int64_t per_batch_ns, int64_t per_request_ns = 0) {
    return [=](int64_t, int n) { return per_batch_ns + per_request_ns * n; };
}
// Takes exactly the service time (sleeping, then spinning the last 50 us) as "compute"; answers
// are not checked. `name` describes it.
std::unique_ptr<BatchService> make_synthetic_service(ServiceTimeFn time, std::string name,
                                                     int64_t sample_count = 10000);

}  // namespace batchscope::engine::infer
