// The training run on the data pipeline: live storage profile changes, the loader's figures in
// the records, image folders end to end, and the error policy.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "batchscope/engine/data/image_folder_writer.h"
#include "batchscope/engine/training_run.h"
#include "../data/data_fixtures.h"
#include "idx_fixture.h"
#include "run_wait.h"

using namespace batchscope::engine;
using namespace std::chrono_literals;

namespace {

template <class P>
std::shared_ptr<const RunSnapshot> wait_for(const TrainingRun& r, P pred, std::chrono::seconds timeout = 30s) {
    return bs_test::wait_for(r, pred, timeout);
}

// A small JPEG image folder (train/ and test/) made from fake Fashion-MNIST.
std::string make_folder(const bs_test::TempDir& d, int train, int test) {
    bs_test::write_fake_fashion_mnist(d.path, static_cast<uint32_t>(train), static_cast<uint32_t>(test));
    data::ImageFolderWriteOptions o;
    o.out_dir = d.path + "/folder";
    o.fashion_dir = d.path;
    o.size = 16;
    o.threads = 2;
    data::write_image_folder(o);
    return o.out_dir;
}

}  // namespace

TEST(TrainingData, StorageProfileChangesLiveAndIsRecorded) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 2000, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.batch_size = 20;
    c.epochs = 3;
    TrainingRun run(c);
    run.start();
    auto s = wait_for(run, [](const RunSnapshot& x) { return x.iterations_done >= 3 || x.state == RunState::Failed; });
    ASSERT_EQ(s->state, RunState::Running) << s->message;
    EXPECT_EQ(s->storage, "page cache");
    EXPECT_EQ(run.set_storage_profile(data::StorageKind::EmulatedNvme), "");
    EXPECT_NE(run.set_storage_profile(static_cast<data::StorageKind>(42)), "");
    s = wait_for(run, [](const RunSnapshot& x) { return !x.knob_changes.empty(); });
    ASSERT_EQ(s->knob_changes.size(), 1u);
    EXPECT_EQ(s->knob_changes[0].knob, "storage_profile");
    EXPECT_EQ(s->knob_changes[0].old_value, static_cast<int>(data::StorageKind::PageCache));
    EXPECT_EQ(s->knob_changes[0].new_value, static_cast<int>(data::StorageKind::EmulatedNvme));
    EXPECT_NE(s->storage.find("emulated"), std::string::npos);
    run.wait();
    s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    for (const EpochRecord& e : s->epochs_done) {
        EXPECT_EQ(e.samples, 2000);
        EXPECT_GT(e.load.read_ns, 0);
        EXPECT_GT(e.load.collate_ns, 0);
        EXPECT_EQ(e.workers.size(), 2u);
        EXPECT_GT(e.loader_busy_ns, 0);
    }
    EXPECT_EQ(s->epochs_done.back().storage, "emulated-nvme");
    // 80 us per emulated read: the last epoch's 2000 reads show it (halved: a late wake-up is
    // credited to the next read of the same thread, up to 2 ms).
    EXPECT_GE(s->epochs_done.back().load.read_ns, 2000 * 80'000 / 2);
}

TEST(TrainingData, TrainsOnAnImageFolderWrittenFromFashionMnist) {
    bs_test::TempDir d;
    const std::string folder = make_folder(d, 600, 100);
    TrainConfig c;
    c.dataset = DatasetKind::ImageFolder;
    c.data_dir = folder;
    c.batch_size = 32;
    c.epochs = 2;
    c.normalize = true;
    c.flip = true;
    TrainingRun run(c);
    run.start();
    run.wait();
    auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_EQ(s->train_samples, 600);
    EXPECT_EQ(s->test_samples, 100);
    EXPECT_EQ(s->model, "MLP 768-256-128-10 (ReLU)");  // 16 x 16 RGB
    EXPECT_GT(s->epochs_done.back().load.decode_ns, 0);
    EXPECT_GT(s->epochs_done.back().test_accuracy, 0.6);  // the fake classes are easy
}

TEST(TrainingData, CorruptImageStopsTheRunOrIsSkippedAndCounted) {
    bs_test::TempDir d;
    const std::string folder = make_folder(d, 200, 20);
    const std::string bad = folder + "/train/3-dress/00013.jpg";
    ASSERT_TRUE(std::filesystem::exists(bad));
    auto bytes = bs_test::read_bytes(bad);
    bytes.resize(bytes.size() / 3);  // truncated
    bs_test::write_bytes(bad, bytes);
    TrainConfig c;
    c.dataset = DatasetKind::ImageFolder;
    c.data_dir = folder;
    c.batch_size = 16;
    {
        TrainingRun run(c);
        run.start();
        run.wait();
        auto s = run.snapshot();
        EXPECT_EQ(s->state, RunState::Failed);
        EXPECT_NE(s->message.find(bad), std::string::npos) << s->message;
    }
    c.on_error = data::ErrorPolicy::Skip;
    TrainingRun run(c);
    run.start();
    run.wait();
    auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_EQ(s->samples_skipped, 1);
    EXPECT_EQ(s->epochs_done[0].samples_skipped, 1);
    ASSERT_EQ(s->epochs_done[0].skipped_samples.size(), 1u);
    EXPECT_NE(s->epochs_done[0].skipped_samples[0].find(bad), std::string::npos) << s->epochs_done[0].skipped_samples[0];
    EXPECT_EQ(s->epochs_done[0].samples, 199);
}

TEST(TrainingData, ShardedRunTrainsOnItsShare) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 1000, 100);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.rank = 1;
    c.world_size = 3;
    c.drop_last = true;
    c.batch_size = 50;
    TrainingRun run(c);
    run.start();
    run.wait();
    auto s = run.snapshot();
    ASSERT_EQ(s->state, RunState::Finished) << s->message;
    EXPECT_EQ(s->train_samples, 333);
    EXPECT_EQ(s->epochs_done[0].samples, 300);  // drop-last: 6 full batches
}

TEST(TrainingData, Uint8BatchesTrainLikeFloatBatches) {
    bs_test::TempDir d;
    bs_test::write_fake_fashion_mnist(d.path, 1000, 200);
    TrainConfig c;
    c.data_dir = d.path;
    c.cache_dir = d.path + "/cache";
    c.batch_size = 50;
    c.epochs = 2;
    c.normalize = true;
    double acc[2] = {0, 0};
    for (bool u8 : {false, true}) {
        c.uint8_batches = u8;
        TrainingRun run(c);
        run.start();
        run.wait();
        auto s = run.snapshot();
        ASSERT_EQ(s->state, RunState::Finished) << s->message;
        acc[u8] = s->epochs_done.back().test_accuracy;
    }
    EXPECT_EQ(acc[0], acc[1]);  // the same floats reach the model, converted in h2d instead
}
