// The knob registry: names that saved sessions use, the live knobs of each kind of run, ranges
// and the words of their errors.
#include <gtest/gtest.h>

#include <set>

#include "batchscope/knobs/knob.h"

using namespace batchscope::knobs;

TEST(Knobs, NamesAndConfigKeysAreTheSavedOnes) {
    EXPECT_EQ(from_name("batch_size"), Knob::BatchSize);
    EXPECT_EQ(from_name("prefetch_depth"), Knob::PrefetchDepth);
    EXPECT_EQ(from_name("storage_profile"), Knob::StorageProfile);
    EXPECT_FALSE(from_name("storage").has_value());  // that is its configuration key
    EXPECT_EQ(from_config_key("storage"), Knob::StorageProfile);
    EXPECT_EQ(from_config_key("queue_delay_us"), Knob::QueueDelayUs);
    EXPECT_FALSE(from_name("batch").has_value());
    std::set<std::string_view> names;
    for (const KnobInfo& k : all()) EXPECT_TRUE(names.insert(k.name).second) << k.name;
}

TEST(Knobs, LiveKnobsOfEachRun) {
    std::set<std::string_view> train, infer;
    for (const KnobInfo& k : all())
        if (k.live) (k.run == RunKind::Train ? train : infer).insert(k.name);
    EXPECT_EQ(train, (std::set<std::string_view>{"batch_size", "prefetch_depth", "workers", "storage_profile"}));
    EXPECT_EQ(infer, (std::set<std::string_view>{"rate", "concurrency", "max_batch", "queue_delay_us"}));
    EXPECT_TRUE(is_live("storage_profile"));
    EXPECT_FALSE(is_live("pinned_memory"));
    EXPECT_FALSE(is_live("threads"));
    EXPECT_FALSE(is_live("nonsense"));
}

TEST(Knobs, RangeErrorsSayWhatIsAllowed) {
    EXPECT_EQ(range_error(Knob::BatchSize, 1), "");
    EXPECT_EQ(range_error(Knob::BatchSize, 8192), "");
    EXPECT_EQ(range_error(Knob::BatchSize, 0), "batch size 0 is out of range: use 1 to 8192");
    EXPECT_EQ(range_error(Knob::PrefetchDepth, 65), "prefetch depth 65 is out of range: use 0 to 64 batches (0 = no prefetch)");
    EXPECT_EQ(range_error(Knob::Workers, -1),
              "loader workers -1 is out of range: use 0 to 16 (0 = load in the training thread)");
    static_assert(min_int(Knob::MaxBatch) == 1 && max_int(Knob::MaxBatch) == 256);
}

TEST(Knobs, Words) {
    EXPECT_EQ(label_of("workers"), "loader workers");
    EXPECT_EQ(label_of("pinned_memory"), "page-locked buffers");
    EXPECT_EQ(label_of("some_new_thing"), "some new thing");
    EXPECT_EQ(short_label_of("batch_size"), "batch");
    EXPECT_EQ(short_label_of("prefetch_depth"), "prefetch");
    EXPECT_EQ(short_label_of("workers"), "workers");
    EXPECT_EQ(short_label_of("unknown_knob"), "unknown_knob");
    EXPECT_EQ(info(Knob::PrefetchDepth).cli_flag, "-p,--prefetch");
}
