// Serving a model on the CPU: inputs are scaled into the batch buffer as training scaled them
// ("h2d" on the CPU backend), the forward pass runs through Model::predict (for the default MLP,
// Mlp::predict), and the argmax of each row of logits is copied out and checked against the
// label ("d2h").
#include <algorithm>
#include <array>

#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/profiler/clock.h"
#include "served_input.h"

namespace batchscope::engine::infer {
namespace {

class ModelService final : public BatchService {
public:
    ModelService(std::shared_ptr<const model::Model> model, const CheckpointInfo& info, ImageDataset test,
                 std::string name)
        : model_(std::move(model)), test_(std::move(test)), name_(std::move(name)), lut_(pixel_scale(info)) {
        check_served_input(*model_, info, test_);
        if (name_.empty()) name_ = model_->describe();
    }

    std::string model() const override { return name_; }
    std::string dataset() const override { return test_.name + ", " + std::to_string(test_.count) + " samples"; }
    std::string backend() const override { return model_->backend(); }
    int64_t sample_count() const override { return test_.count; }

    void warm_up(int max_batch) override {
        grow(max_batch);
        std::vector<int64_t> s(static_cast<size_t>(max_batch));
        for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int64_t>(i) % test_.count;
        std::vector<int8_t> c(s.size());
        serve(s, c);
    }

    BatchTiming serve(std::span<const int64_t> samples, std::span<int8_t> correct) override {
        const int b = static_cast<int>(samples.size());
        const size_t classes = static_cast<size_t>(model_->classes());
        grow(b);
        BatchTiming t;
        const int64_t t0 = profiler::now_ns();
        scale_samples(lut_, test_, samples, x_.data());
        const int64_t t1 = profiler::now_ns();
        model_->predict(x_.data(), b, logits_.data(), ws_);
        const int64_t t2 = profiler::now_ns();
        for (size_t i = 0; i < samples.size(); ++i)
            correct[i] = check_answer(logits_.data() + i * classes, classes, test_.labels[static_cast<size_t>(samples[i])]);
        const int64_t t3 = profiler::now_ns();
        t.h2d_ns = t1 - t0;
        t.compute_ns = t2 - t1;
        t.d2h_ns = t3 - t2;
        t.compute_at_ns = t.h2d_ns;
        t.d2h_at_ns = t.h2d_ns + t.compute_ns;
        return t;
    }

private:
    void grow(int b) {
        const size_t n = static_cast<size_t>(std::max(1, b));
        if (x_.size() < n * static_cast<size_t>(test_.features())) x_.resize(n * static_cast<size_t>(test_.features()));
        const size_t classes = static_cast<size_t>(model_->classes());
        if (logits_.size() < n * classes) logits_.resize(n * classes);
    }

    std::shared_ptr<const model::Model> model_;
    ImageDataset test_;
    std::string name_;
    std::array<float, 256> lut_{};
    std::vector<float> x_, logits_;
    model::InferWorkspace ws_;
};

}  // namespace

std::unique_ptr<BatchService> make_model_service(std::shared_ptr<const model::Model> model, const CheckpointInfo& info,
                                                 ImageDataset test, std::string model_name) {
    return std::make_unique<ModelService>(std::move(model), info, std::move(test), std::move(model_name));
}

std::unique_ptr<BatchService> make_mlp_service(std::shared_ptr<const Mlp> model, const CheckpointInfo& info,
                                               ImageDataset test, std::string model_name) {
    std::shared_ptr<const model::Model> m =
        model::wrap_mlp(Mlp(*model), model::Shape{info.channels, info.height, info.width}, 0.9f);
    return make_model_service(std::move(m), info, std::move(test), std::move(model_name));
}

std::unique_ptr<BatchService> make_mlp_service(const std::string& checkpoint, const std::string& data_dir,
                                               int64_t test_limit, int threads) {
    LoadedCheckpoint ck = load_checkpoint(checkpoint);
    const std::string dir = data_dir.empty() ? find_fashion_mnist_dir() : data_dir;
    ImageDataset test = load_fashion_mnist_split(dir, "t10k", test_limit);
    if (test.name.empty()) test.name = "Fashion-MNIST";
    set_blas_threads(threads);
    std::shared_ptr<const model::Model> model = std::move(ck.model);
    return make_model_service(std::move(model), ck.info, std::move(test));
}

std::unique_ptr<BatchService> make_checkpoint_service(const InferConfig& cfg) {
    if (cfg.backend == "cuda")
        return make_gpu_model_service(cfg.checkpoint, cfg.data_dir, cfg.test_limit, {}, cfg.cuda_graphs);
    return make_mlp_service(cfg.checkpoint, cfg.data_dir, cfg.test_limit, cfg.threads);
}

}  // namespace batchscope::engine::infer
