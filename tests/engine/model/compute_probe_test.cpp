// The compute probe (model/compute_probe.h): forward passes timed at each size asked, within its
// time budget, and leaving the model exactly as it was (training after it gives the same losses).
#include <gtest/gtest.h>

#include <vector>

#include "../address_space_limit.h"
#include "batchscope/engine/model/compute_probe.h"
#include "batchscope/engine/model/model.h"

namespace bm = batchscope::engine::model;

namespace {

std::unique_ptr<bm::Model> model(const char* spec, bm::Shape in = {1, 28, 28}) {
    bm::OptimizerConfig opt;
    return bm::make_model(bm::parse_model_spec(spec), in, 10, opt, 7);
}

// Deterministic batches: sample i of batch k.
void batch(int k, int b, int features, std::vector<float>& x, std::vector<int32_t>& y) {
    x.resize(static_cast<size_t>(b) * static_cast<size_t>(features));
    y.resize(static_cast<size_t>(b));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7 + static_cast<size_t>(k) * 13) % 97) / 97.f;
    for (int i = 0; i < b; ++i) y[static_cast<size_t>(i)] = (i + k) % 10;
}

}  // namespace

TEST(ComputeProbe, TimesEverySizeAskedSmallestFirst) {
    auto m = model("mlp:256,128");
    const int sizes[] = {64, 16, 64, 0};  // unordered, a duplicate and a size that is none
    const bm::ComputeProbe p = bm::probe_compute(*m, sizes);
    ASSERT_EQ(p.points.size(), 2u) << p.note;
    EXPECT_EQ(p.points[0].batch, 16);
    EXPECT_EQ(p.points[1].batch, 64);
    EXPECT_GT(p.points[0].ns, 0);
    EXPECT_GT(p.points[1].ns, 0);
    EXPECT_TRUE(p.note.empty()) << p.note;
    EXPECT_GT(p.elapsed_ns, p.points[0].ns + p.points[1].ns);  // an untimed pass each, then the timed ones
}

// A size whose pass would overrun the budget is not run: a CNN at batch 4096 is estimated from its
// pass at 1 (4096 times longer) and left out, with a note; the probe ends well within a second.
TEST(ComputeProbe, ASizeThatWouldOverrunTheBudgetIsNotRun) {
    auto m = model("cnn:8:fc=16");
    const int sizes[] = {1, 4096};
    const bm::ComputeProbe p = bm::probe_compute(*m, sizes, 50'000'000);
    ASSERT_EQ(p.points.size(), 1u);
    EXPECT_EQ(p.points[0].batch, 1);
    EXPECT_NE(p.note.find("batch 4096 not timed"), std::string::npos) << p.note;
    EXPECT_LT(p.elapsed_ns, 1'000'000'000);  // a pass at 4096 alone takes seconds on a CPU
}

// With no time for a timed pass, nothing is reported (an untimed pass includes allocation).
TEST(ComputeProbe, NoTimeForATimedPassReportsNothing) {
    auto m = model("mlp:256,128");
    const int sizes[] = {16, 64};
    const bm::ComputeProbe p = bm::probe_compute(*m, sizes, 1);
    EXPECT_TRUE(p.points.empty());
    EXPECT_FALSE(p.note.empty());
}

// Dropout draws from the model's random state in training; the probe's passes (no dropout) touch
// neither it, nor the weights, nor the momentum: the losses after it are bit-identical.
TEST(ComputeProbe, TrainingAfterTheProbeGivesTheSameLosses) {
    for (const char* spec : {"mlp:64:relu:dropout=0.2", "mlp:256,128", "cnn:4:fc=16"}) {
        auto a = model(spec), b = model(spec);
        const int features = static_cast<int>(a->input_shape().size());
        std::vector<float> x;
        std::vector<int32_t> y;
        for (int k = 0; k < 6; ++k) {
            if (k == 0 || k == 3) {
                const int sizes[] = {16, 64};
                EXPECT_FALSE(bm::probe_compute(*b, sizes).points.empty()) << spec;
            }
            batch(k, 16, features, x, y);
            const float la = a->train_step(x.data(), y.data(), 16, 0.05f);
            const float lb = b->train_step(x.data(), y.data(), 16, 0.05f);
            EXPECT_EQ(la, lb) << spec << " step " << k;
        }
        const auto pa = a->parameters(), pb = b->parameters();
        ASSERT_EQ(pa.size(), pb.size());
        for (size_t i = 0; i < pa.size(); ++i)
            EXPECT_TRUE(std::equal(pa[i].values.begin(), pa[i].values.end(), pb[i].values.begin())) << spec << " " << pa[i].name;
    }
}

// A size whose input does not fit in memory: no crash, nothing timed, and the note says why.
TEST(ComputeProbe, OutOfMemoryIsANoteNotACrash) {
    const int status = bs_test::exit_status_with_1gib_headroom([] {
        auto m = model("mlp:256,128");
        const int sizes[] = {16, 2'000'000};  // 2,000,000 x 784 floats: 6.3 GB of synthetic input
        const bm::ComputeProbe p = bm::probe_compute(*m, sizes);
        return p.points.empty() && p.note.find("out of memory at batch 2000000") != std::string::npos ? 0 : 1;
    });
    if (status == 3) GTEST_SKIP() << "could not limit the address space";
    EXPECT_EQ(status, 0);
}
