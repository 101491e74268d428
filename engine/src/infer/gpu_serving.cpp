#include "gpu_serving.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "batchscope/profiler/clock.h"
#include "served_input.h"

namespace batchscope::engine::infer {
namespace {

int64_t event_ns(GpuBackend& gpu, GpuEvent& a, GpuEvent& b) {
    return std::max<int64_t>(0, std::llround(static_cast<double>(gpu.elapsed_ms(a, b)) * 1e6));
}

}  // namespace

GpuServiceBase::GpuServiceBase(const model::Model& m, const CheckpointInfo& info, ImageDataset test, std::string name,
                               std::string path)
    : test_(std::move(test)), name_(std::move(name)), path_(std::move(path)), lut_(pixel_scale(info)) {
    check_served_input(m, info, test_);
    if (name_.empty()) name_ = m.describe();
}

void GpuServiceBase::attach(GpuBackend& gpu, size_t features, size_t classes) {
    gpu_ = &gpu;
    features_ = features;
    classes_ = classes;
    const auto rows = static_cast<size_t>(InferLimits::kMaxMaxBatch);
    x_ = gpu.pinned_floats(rows * features_);
    logits_ = gpu.pinned_floats(rows * classes_);
}

std::string GpuServiceBase::dataset() const { return test_.name + ", " + std::to_string(test_.count) + " samples"; }

std::string GpuServiceBase::backend() const {
    const GpuProbeResult& p = gpu_->probe();
    return std::string("CUDA, ") + (p.device_name.empty() ? "device" : p.device_name) +
           (gpu_->tf32() ? ", TF32" : ", FP32") + ", " + path_ + backend_note();
}

void GpuServiceBase::scale_inputs(std::span<const int64_t> samples) { scale_samples(lut_, test_, samples, x_.floats()); }

std::string GpuServiceBase::timing() const {
    return "h2d, compute and d2h timed with CUDA events around each batch's copy in, forward pass and copy back" +
           timing_note();
}

std::vector<int> GpuServiceBase::warm_up_sizes(int max_batch) const {
    const int top = std::clamp(max_batch, 1, InferLimits::kMaxMaxBatch);
    std::vector<int> sizes;
    for (int b = 1; b < top; b = b < 4 ? b + 1 : b * 2) sizes.push_back(b);
    sizes.push_back(top);
    return sizes;
}

void GpuServiceBase::warm_up(int max_batch) {
    // Every batch size the stream may use starts cuBLAS's choices and the pool once.
    const std::vector<int> sizes = warm_up_sizes(max_batch);
    const int top = sizes.empty() ? 1 : *std::max_element(sizes.begin(), sizes.end());
    std::vector<int64_t> s(static_cast<size_t>(std::clamp(top, 1, InferLimits::kMaxMaxBatch)));
    for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int64_t>(i) % test_.count;
    std::vector<int8_t> c(s.size());
    const int rounds = std::max(1, warm_up_rounds());
    for (const int b : sizes) {
        const size_t n = static_cast<size_t>(std::clamp(b, 1, static_cast<int>(s.size())));
        for (int r = 0; r < rounds; ++r) serve(std::span<const int64_t>(s.data(), n), std::span<int8_t>(c.data(), n));
    }
    warmed_up();
}

BatchTiming GpuServiceBase::serve(std::span<const int64_t> samples, std::span<int8_t> correct) {
    const int b = static_cast<int>(samples.size());
    if (b <= 0 || b > InferLimits::kMaxMaxBatch)
        throw std::invalid_argument("a batch of " + std::to_string(b) + " requests; the GPU service takes 1 to " +
                                    std::to_string(InferLimits::kMaxMaxBatch));
    const int64_t t0 = profiler::now_ns();
    scale_samples(lut_, test_, samples, x_.floats());
    const int64_t t1 = profiler::now_ns();
    const DeviceBatchEvents e = run(x_.floats(), b, logits_.floats());
    gpu_->synchronize(*e.d2h_end);
    const int64_t t2 = profiler::now_ns();
    for (size_t i = 0; i < samples.size(); ++i)
        correct[i] = check_answer(logits_.floats() + i * classes_, classes_, test_.labels[static_cast<size_t>(samples[i])]);

    BatchTiming t;
    t.device = true;
    t.h2d_on_compute_stream = e.h2d_on_compute;
    t.h2d_ns = event_ns(*gpu_, *e.h2d_start, *e.h2d_end);
    t.compute_ns = event_ns(*gpu_, *e.compute_start, *e.compute_end);
    t.d2h_ns = event_ns(*gpu_, *e.compute_end, *e.d2h_end);
    // The bytes the copies moved: a graph replay copies its padded batch both ways.
    const size_t rows = static_cast<size_t>(e.rows > 0 ? e.rows : b);
    t.h2d_bytes = static_cast<uint32_t>(rows * features_ * sizeof(float));
    t.d2h_bytes = static_cast<uint32_t>(rows * classes_ * sizeof(float));
    // On the host clock: the device's work ended when the wait returned (t2), and began no
    // earlier than the inputs were staged (t1).
    const int64_t span = event_ns(*gpu_, *e.h2d_start, *e.d2h_end);
    const int64_t begin = std::max(t1, t2 - span) - t0;
    t.h2d_at_ns = begin;
    t.compute_at_ns = begin + event_ns(*gpu_, *e.h2d_start, *e.compute_start);
    t.d2h_at_ns = begin + event_ns(*gpu_, *e.h2d_start, *e.compute_end);
    // Each phase ends where the next begins (the events' float milliseconds, rounded apart, could
    // otherwise overlap them by a nanosecond).
    t.h2d_ns = std::max<int64_t>(0, std::min(t.h2d_ns, t.compute_at_ns - t.h2d_at_ns));
    t.compute_ns = std::max<int64_t>(0, std::min(t.compute_ns, t.d2h_at_ns - t.compute_at_ns));
    return t;
}

}  // namespace batchscope::engine::infer
