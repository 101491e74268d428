#include <algorithm>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/profiler/clock.h"

namespace batchscope::engine::infer {
namespace {

class SyntheticService final : public BatchService {
public:
    SyntheticService(ServiceTimeFn time, std::string name, int64_t count)
        : time_(std::move(time)), name_(std::move(name)), count_(std::max<int64_t>(1, count)) {}

    std::string model() const override { return name_; }
    std::string dataset() const override { return "none (synthetic requests)"; }
    std::string backend() const override { return "synthetic"; }
    std::string timing() const override { return "synthetic: each batch takes the service time it was given, on the host clock"; }
    int64_t sample_count() const override { return count_; }

    BatchTiming serve(std::span<const int64_t> samples, std::span<int8_t> correct) override {
        const int64_t t0 = profiler::now_ns();
        const int64_t d = time_(batches_++, static_cast<int>(samples.size()));
        std::fill(correct.begin(), correct.end(), int8_t{-1});
        BatchTiming t;
        t.compute_ns = wait_until(t0 + std::max<int64_t>(0, d), 50'000) - t0;
        return t;
    }

private:
    ServiceTimeFn time_;
    std::string name_;
    int64_t count_;
    int64_t batches_ = 0;
};

}  // namespace

std::unique_ptr<BatchService> make_synthetic_service(ServiceTimeFn time, std::string name, int64_t sample_count) {
    return std::make_unique<SyntheticService>(std::move(time), std::move(name), sample_count);
}

}  // namespace batchscope::engine::infer
