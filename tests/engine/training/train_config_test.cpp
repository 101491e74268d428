#include <gtest/gtest.h>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/train_config.h"

using namespace batchscope::engine;

TEST(TrainConfig, DefaultsAreValid) { EXPECT_EQ(validate(TrainConfig{}), ""); }

TEST(TrainConfig, OutOfRangeKnobsSayWhatIsAllowed) {
    TrainConfig c;
    c.batch_size = 0;
    EXPECT_NE(validate(c).find("batch size 0 is out of range: use 1 to 8192"), std::string::npos) << validate(c);
    c = {};
    c.prefetch_depth = 65;
    EXPECT_NE(validate(c).find("prefetch depth 65"), std::string::npos);
    c = {};
    c.workers = -1;
    EXPECT_NE(validate(c).find("loader workers -1"), std::string::npos);
    c = {};
    c.momentum = 1.0f;
    EXPECT_NE(validate(c).find("momentum"), std::string::npos);
    EXPECT_NE(validate_knob("colour", 1).find("unknown knob"), std::string::npos);
    EXPECT_EQ(validate_knob("workers", 0), "");
}

// A training run's live knobs are the registry's live training knobs: the others are refused by name.
TEST(TrainConfig, OnlyLiveTrainingKnobsChangeDuringARun) {
    using batchscope::knobs::Knob;
    EXPECT_EQ(validate_knob(Knob::StorageProfile, 0), "");
    EXPECT_EQ(validate_knob(Knob::Threads, 2), "unknown knob 'threads'");  // fixed for the run
    EXPECT_EQ(validate_knob(Knob::Rate, 100), "unknown knob 'rate'");      // an inference knob
    EXPECT_NE(validate_knob(Knob::StorageProfile, 99).find("storage profile 99 is unknown"), std::string::npos);
    EXPECT_EQ(infer::validate_infer_knob(Knob::Workers, 2), "unknown knob workers");
    EXPECT_EQ(infer::validate_infer_knob(Knob::MaxBatch, 16), "");
}
