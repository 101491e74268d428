// The memory a training run is refused on: parameter counts and bytes computed by hand from the
// layer sizes, and the refusal's advice (the model itself, or the batch).
#include <gtest/gtest.h>

#include "batchscope/engine/training_footprint.h"

using namespace batchscope::engine;
using model::ModelKind;
using model::OptimizerKind;

namespace {

model::ModelSpec mlp(std::vector<int> widths) {
    model::ModelSpec s;
    s.kind = ModelKind::Mlp;
    s.widths = std::move(widths);
    return s;
}

}  // namespace

TEST(TrainingFootprint, MlpParametersAndBytes) {
    // 784 -> 256 -> 128 -> 10
    const int64_t params = (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10);
    const TrainingFootprint f = estimate_training_footprint(mlp({256, 128}), {1, 28, 28}, 10, OptimizerKind::Sgd, 4);
    EXPECT_EQ(f.parameters, params);
    EXPECT_EQ(f.fixed_bytes, params * 4 * 3);  // weights, gradients, momentum
    // outputs (256 + 128 + 10) and their gradients; the compute input; 4 loader batches (x + label)
    EXPECT_EQ(f.bytes_per_sample, (256 + 128 + 10) * 2 * 4 + 784 * 4 + (784 * 4 + 4) * 4);
    const TrainingFootprint adam = estimate_training_footprint(mlp({256, 128}), {1, 28, 28}, 10, OptimizerKind::Adam, 4);
    EXPECT_EQ(adam.fixed_bytes, params * 4 * 4);  // and Adam's two moments
}

TEST(TrainingFootprint, CnnAndLinearModels) {
    model::ModelSpec cnn;
    cnn.kind = ModelKind::Cnn;
    cnn.widths = {4};
    cnn.fc = 16;
    const TrainingFootprint f = estimate_training_footprint(cnn, {1, 28, 28}, 10, OptimizerKind::Sgd, 1);
    EXPECT_EQ(f.parameters, (4 * 9 + 4) + (4 * 14 * 14 * 16 + 16) + (16 * 10 + 10));  // as cli_models.sh checks
    model::ModelSpec logreg;
    logreg.kind = ModelKind::LogReg;
    EXPECT_EQ(estimate_training_footprint(logreg, {3, 32, 32}, 100, OptimizerKind::Sgd, 1).parameters,
              3 * 32 * 32 * 100 + 100);
}

TEST(TrainingFootprint, TheIssuesModelIsRefusedAsTooBigItself) {
    // mlp:65536,65536,65536 on Fashion-MNIST: ~8.6 billion parameters, ~103 GB with SGD.
    const TrainingFootprint f =
        estimate_training_footprint(mlp({65536, 65536, 65536}), {1, 28, 28}, 10, OptimizerKind::Sgd, 4);
    EXPECT_GT(f.parameters, int64_t{8'500'000'000});
    HostMemoryLimits machine;
    machine.mem_available = int64_t{24} << 30;
    const std::string why = training_memory_refusal(f, 64, machine);
    EXPECT_NE(why.find("the model does not fit in memory"), std::string::npos) << why;
    EXPECT_NE(why.find("use a smaller model"), std::string::npos) << why;
    EXPECT_NE(why.find("(MemAvailable)"), std::string::npos) << why;
}

TEST(TrainingFootprint, ABatchTooLargeIsRefusedWithOneThatFits) {
    const TrainingFootprint f{1000, 1'000'000, 10'000};
    HostMemoryLimits limits;
    limits.mem_available = int64_t{8} << 30;
    limits.address_space_left = 11'000'000;  // tighter: the address-space limit is named
    EXPECT_EQ(training_memory_refusal(f, 1000, limits), "");  // 11 MB exactly
    const std::string why = training_memory_refusal(f, 1001, limits);
    EXPECT_NE(why.find("batch size 1001 does not fit"), std::string::npos) << why;
    EXPECT_NE(why.find("the largest batch size that should fit is 1000 "), std::string::npos) << why;
    EXPECT_NE(why.find("ulimit -v"), std::string::npos) << why;
    HostMemoryLimits unknown;
    EXPECT_EQ(training_memory_refusal(f, 1'000'000, unknown), "");  // nothing known: nothing refused
}
