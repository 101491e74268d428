#include <gtest/gtest.h>

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
