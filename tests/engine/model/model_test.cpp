// Model specs, the layer stack against the Mlp fast path, optimizers, schedules, determinism and
// memory accounting.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "batchscope/engine/model/elementwise_math.h"
#include "batchscope/engine/model/model.h"

namespace bm = batchscope::engine::model;
namespace bmath = batchscope::engine::math;
using bm::Shape;

namespace {

struct Blobs {  // a separable problem: class k is a Gaussian around a random centre
    std::vector<float> x;
    std::vector<int32_t> y;
};
Blobs blobs(int n, int features, int classes, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.f, 1.f);
    std::vector<float> centres(static_cast<size_t>(classes * features));
    for (auto& c : centres) c = 2.f * d(rng);
    Blobs b;
    for (int i = 0; i < n; ++i) {
        const int k = i % classes;
        b.y.push_back(k);
        for (int f = 0; f < features; ++f) b.x.push_back(centres[static_cast<size_t>(k * features + f)] + 0.5f * d(rng));
    }
    return b;
}

TEST(ModelSpec, ParsesEveryKindAndRoundTrips) {
    for (const char* t : {"logreg", "svm", "svm:margin=0.5", "mlp:256,128:relu", "mlp:512,256:gelu:dropout=0.2",
                          "cnn:32,64:fc=128:relu", "cnn:8:fc=0:gelu"}) {
        const bm::ModelSpec s = bm::parse_model_spec(t);
        EXPECT_EQ(bm::parse_model_spec(s.canonical()), s) << t;
    }
    EXPECT_EQ(bm::parse_model_spec("mlp:256,128"), bm::ModelSpec{});  // the default
    const auto s = bm::parse_model_spec("mlp:512,256:gelu:dropout=0.2");
    EXPECT_EQ(s.widths, (std::vector<int>{512, 256}));
    EXPECT_EQ(s.activation, bm::Activation::Gelu);
    EXPECT_FLOAT_EQ(s.dropout, 0.2f);
    EXPECT_EQ(bm::parse_model_spec("svm").loss(), bm::LossKind::HingeCrammerSinger);
    EXPECT_EQ(bm::parse_model_spec("logreg").loss(), bm::LossKind::SoftmaxCrossEntropy);
}

TEST(ModelSpec, RefusesBadSpecsSayingWhatIsAllowed) {
    for (const char* t : {"", "resnet", "mlp", "mlp:", "mlp:0", "mlp:12x", "mlp:256:tanh", "mlp:256:dropout=1",
                          "mlp:256:dropout=-0.1", "logreg:relu", "svm:margin=0", "cnn:32:fc=-1",
                          "mlp:256:relu:gelu", "cnn:8:fc=0:dropout=0.5"}) {
        try {
            bm::parse_model_spec(t);
            ADD_FAILURE() << "accepted '" << t << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("use logreg"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(bm::parse_optimizer("rmsprop"), std::invalid_argument);
    EXPECT_THROW(bm::parse_lr_schedule("step"), std::invalid_argument);
    EXPECT_THROW(bm::parse_lr_schedule("step:x"), std::invalid_argument);
    EXPECT_THROW(bm::parse_lr_schedule("step:2:1.5"), std::invalid_argument);
    EXPECT_THROW(bm::parse_lr_schedule("linear"), std::invalid_argument);
}

TEST(LrSchedule, StepAndCosine) {
    const auto none = bm::parse_lr_schedule("none");
    EXPECT_FLOAT_EQ(bm::learning_rate_at(none, 0.1f, 7, 10), 0.1f);
    const auto step = bm::parse_lr_schedule("step:2:0.5");
    EXPECT_FLOAT_EQ(bm::learning_rate_at(step, 0.1f, 1, 10), 0.1f);
    EXPECT_FLOAT_EQ(bm::learning_rate_at(step, 0.1f, 2, 10), 0.1f);
    EXPECT_FLOAT_EQ(bm::learning_rate_at(step, 0.1f, 3, 10), 0.05f);
    EXPECT_FLOAT_EQ(bm::learning_rate_at(step, 0.1f, 5, 10), 0.025f);
    const auto cos = bm::parse_lr_schedule("cosine");
    EXPECT_FLOAT_EQ(bm::learning_rate_at(cos, 0.1f, 1, 4), 0.1f);
    EXPECT_NEAR(bm::learning_rate_at(cos, 0.1f, 3, 4), 0.05f, 1e-7);
    EXPECT_NEAR(bm::learning_rate_at(cos, 0.1f, 4, 4), 0.1 * 0.5 * (1 + std::cos(M_PI * 0.75)), 1e-7);
}

TEST(Optimizers, AdamMatchesItsFormulaInDouble) {
    float w = 0.5f, m = 0.f, v = 0.f;
    double wd = 0.5, md = 0, vd = 0;
    const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int t = 1; t <= 20; ++t) {
        const double g = std::sin(t) + 0.1 * wd;
        const float c1 = 1.f - std::pow(0.9f, static_cast<float>(t)), c2 = 1.f - std::pow(0.999f, static_cast<float>(t));
        bmath::adam_update(w, m, v, static_cast<float>(std::sin(t)), 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, c1, c2);
        md = b1 * md + (1 - b1) * g;
        vd = b2 * vd + (1 - b2) * g * g;
        wd -= lr * (md / (1 - std::pow(b1, t))) / (std::sqrt(vd / (1 - std::pow(b2, t))) + eps);
    }
    EXPECT_NEAR(w, wd, 1e-5);
}

TEST(Optimizers, SgdMomentumIsTorchs) {
    float w = 1.f, v = 0.f;
    bmath::sgd_momentum_update(w, v, 2.f, 0.1f, 0.9f, 0.f);  // v = 2, w = 0.8
    bmath::sgd_momentum_update(w, v, 1.f, 0.1f, 0.9f, 0.f);  // v = 2.8, w = 0.52
    EXPECT_FLOAT_EQ(v, 2.8f);
    EXPECT_FLOAT_EQ(w, 0.52f);
}

TEST(Network, MlpStackMatchesTheMlpFastPathStepForStep) {
    const Blobs d = blobs(64, 12, 3, 1);
    const bm::ModelSpec spec = bm::parse_model_spec("mlp:16,8");
    bm::OptimizerConfig opt;
    auto fast = bm::make_model(spec, Shape{1, 1, 12}, 3, opt, 5);
    auto stack = bm::make_network(spec, Shape{1, 1, 12}, 3, opt, 5);
    ASSERT_EQ(fast->parameter_count(), stack->parameter_count());
    const auto pf = fast->parameters(), ps = stack->parameters();
    for (size_t k = 0; k < pf.size(); ++k) {
        EXPECT_EQ(pf[k].name, ps[k].name);
        EXPECT_EQ(std::vector<float>(pf[k].values.begin(), pf[k].values.end()),
                  std::vector<float>(ps[k].values.begin(), ps[k].values.end()));
    }
    for (int step = 0; step < 20; ++step) {
        const int b = 16, off = (step % 4) * b;
        const float lf = fast->train_step(d.x.data() + off * 12, d.y.data() + off, b, 0.05f);
        const float ls = stack->train_step(d.x.data() + off * 12, d.y.data() + off, b, 0.05f);
        EXPECT_NEAR(lf, ls, 1e-5f * std::max(1.f, lf)) << "step " << step;
    }
}

void expect_learns(const std::string& spec_text, Shape in, bm::OptimizerKind ok, float lr, double min_acc) {
    const int features = static_cast<int>(in.size()), classes = 4;
    const Blobs d = blobs(256, features, classes, 2);
    bm::OptimizerConfig opt;
    opt.kind = ok;
    auto m = bm::make_model(bm::parse_model_spec(spec_text), in, classes, opt, 1);
    float first = 0, last = 0;
    for (int epoch = 0; epoch < 15; ++epoch)
        for (int off = 0; off < 256; off += 32) {
            last = m->train_step(d.x.data() + off * features, d.y.data() + off, 32, lr);
            if (epoch == 0 && off == 0) first = last;
        }
    EXPECT_LT(last, first) << spec_text;
    const double acc = static_cast<double>(m->count_correct(d.x.data(), d.y.data(), 256)) / 256.0;
    EXPECT_GE(acc, min_acc) << spec_text;
    // Serving gives the same answers as evaluation.
    bm::InferWorkspace ws;
    std::vector<float> logits(static_cast<size_t>(256 * classes));
    m->predict(d.x.data(), 256, logits.data(), ws);
    int64_t correct = 0;
    for (int i = 0; i < 256; ++i)
        correct += bmath::argmax_row(logits.data() + i * classes, classes) == d.y[static_cast<size_t>(i)];
    EXPECT_EQ(correct, m->count_correct(d.x.data(), d.y.data(), 256)) << spec_text;
}

TEST(Network, EveryKindLearnsASeparableProblem) {
    expect_learns("logreg", Shape{1, 1, 16}, bm::OptimizerKind::Sgd, 0.05f, 0.95);
    expect_learns("svm", Shape{1, 1, 16}, bm::OptimizerKind::Sgd, 0.05f, 0.95);
    expect_learns("mlp:32:gelu:dropout=0.1", Shape{1, 1, 16}, bm::OptimizerKind::Adam, 0.01f, 0.95);
    expect_learns("cnn:4,8:fc=16", Shape{1, 4, 4}, bm::OptimizerKind::Adam, 0.01f, 0.95);
    expect_learns("cnn:4:fc=0:gelu", Shape{2, 4, 2}, bm::OptimizerKind::Sgd, 0.05f, 0.95);
}

TEST(Network, SameSeedSameWeightsAfterTraining) {
    const Blobs d = blobs(64, 16, 4, 3);
    auto run = [&] {
        bm::OptimizerConfig opt;
        opt.kind = bm::OptimizerKind::Adam;
        auto m = bm::make_model(bm::parse_model_spec("cnn:3:fc=8:dropout=0.3"), Shape{1, 4, 4}, 4, opt, 77);
        for (int off = 0; off < 64; off += 16) m->train_step(d.x.data() + off * 16, d.y.data() + off, 16, 0.01f);
        std::vector<float> all;
        for (const auto& p : m->parameters()) all.insert(all.end(), p.values.begin(), p.values.end());
        return all;
    };
    EXPECT_EQ(run(), run());
}

TEST(Network, MemoryIsAccountedAndGrowsWithTheBatch) {
    bm::OptimizerConfig opt;
    opt.kind = bm::OptimizerKind::Adam;
    auto m = bm::make_network(bm::parse_model_spec("mlp:32"), Shape{1, 1, 10}, 3, opt, 1);
    const int64_t params = (10 * 32 + 32) + (32 * 3 + 3);
    EXPECT_EQ(m->parameter_count(), params);
    bm::ModelMemory mem = m->memory();
    EXPECT_EQ(mem.weights, params * 4);
    EXPECT_EQ(mem.gradients, params * 4);
    EXPECT_EQ(mem.optimizer_state, 2 * params * 4);  // Adam: two moments
    EXPECT_EQ(mem.activations, 0);
    const Blobs d = blobs(64, 10, 3, 4);
    m->train_step(d.x.data(), d.y.data(), 8, 0.01f);
    const int64_t at8 = m->memory().activations;
    EXPECT_EQ(at8, 8 * (32 + 32 + 3) * 4 + 2 * 8 * 32 * 4);  // layer outputs + two gradient buffers
    m->train_step(d.x.data(), d.y.data(), 64, 0.01f);  // a live batch-size change regrows them
    EXPECT_EQ(m->memory().activations, 8 * at8);
    m->train_step(d.x.data(), d.y.data(), 4, 0.01f);  // smaller: kept
    EXPECT_EQ(m->memory().activations, 8 * at8);
}

TEST(Network, RefusesShapesItCannotBuild) {
    bm::OptimizerConfig opt;
    EXPECT_THROW(bm::make_model(bm::parse_model_spec("cnn:4,4,4"), Shape{1, 4, 4}, 3, opt, 1), std::invalid_argument);
    EXPECT_THROW(bm::make_model(bm::parse_model_spec("logreg"), Shape{1, 1, 4}, 1, opt, 1), std::invalid_argument);
    auto m = bm::make_model(bm::parse_model_spec("logreg"), Shape{1, 1, 4}, 3, opt, 1);
    EXPECT_THROW(m->set_parameter(0, std::vector<float>(5)), std::invalid_argument);
    EXPECT_THROW(m->set_parameter(9, std::vector<float>(12)), std::invalid_argument);
}

}  // namespace

TEST(Network, ActivationBytesPerSampleMatchWhatTrainingAllocates) {
    // The out-of-memory advice relies on this estimate: it must equal what a step allocates.
    for (const char* spec : {"mlp:32:gelu:dropout=0.2", "cnn:3,4:fc=8", "svm"}) {
        bm::OptimizerConfig opt;
        auto m = bm::make_network(bm::parse_model_spec(spec), Shape{1, 8, 8}, 3, opt, 1);
        std::vector<float> x(static_cast<size_t>(16 * 64), 0.5f);
        std::vector<int32_t> y(16, 1);
        m->train_step(x.data(), y.data(), 16, 0.01f);
        EXPECT_EQ(m->memory().activations, 16 * m->activation_bytes_per_sample()) << spec;
    }
}
