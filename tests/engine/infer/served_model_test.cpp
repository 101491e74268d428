// Serving a real Mlp on an in-memory dataset whose answers are known, and saving the stream as a
// session.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/store/session_store.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;

namespace {

// 40 images, 28 x 28: even ones white (class 0), odd ones black (class 1); 10 labels are wrong.
ImageDataset bright_or_dark() {
    ImageDataset d;
    d.name = "bright-or-dark";
    d.count = 40;
    d.rows = d.cols = 28;
    d.classes = 2;
    for (int i = 0; i < 40; ++i) {
        d.pixels.insert(d.pixels.end(), 784, i % 2 == 0 ? 255 : 0);
        const uint8_t truth = static_cast<uint8_t>(i % 2);
        d.labels.push_back(i < 10 ? static_cast<uint8_t>(1 - truth) : truth);
    }
    return d;
}

// Logit 0 = sum of the inputs, logit 1 = minus that; inputs scaled to [-0.5, 0.5].
std::shared_ptr<BatchService> brightness_model() {
    auto m = std::make_shared<Mlp>(std::vector<int>{784, 2}, 0);
    std::vector<float> w(2 * 784);
    for (size_t k = 0; k < 784; ++k) {
        w[k] = 1.f;
        w[784 + k] = -1.f;
    }
    m->set_layer(0, w, std::vector<float>{0.f, 0.f});
    CheckpointInfo info;
    info.mean = {0.5f};
    info.stddev = {1.f};
    return make_mlp_service(m, info, bright_or_dark(), "brightness");
}

}  // namespace

TEST(ServedModel, AnswersAreCheckedAgainstTheLabels) {
    InferConfig c;
    c.mode = LoadMode::Closed;
    c.concurrency = 2;
    c.max_batch = 4;
    c.requests = 200;  // every sample five times
    const InferResult r = run_inference(c, brightness_model());
    EXPECT_EQ(r.completed, 200);
    EXPECT_EQ(r.checked, 200);
    EXPECT_DOUBLE_EQ(r.accuracy, 0.75);
    EXPECT_GT(r.mean_compute_ns, 0);
}

TEST(ServedModel, ARunIsSavedAsAnInferSessionWithOneRowPerRequest) {
    const std::string db = (std::filesystem::temp_directory_path() / "bs_infer_session_test.db").string();
    std::filesystem::remove(db);
    auto service = brightness_model();
    InferConfig c;
    c.mode = LoadMode::Constant;
    c.rate = 5000;
    c.requests = 300;
    c.max_batch = 4;
    c.queue_delay_us = 500;
    int64_t id = 0;
    {
        auto sink = std::make_shared<InferSessionSink>(db, c, *service, "", "stream");
        id = sink->session_id();
        InferenceRun run(c, service);
        run.set_sink(sink);
        run.start();
        run.set_max_batch(2);
        run.wait();
    }
    batchscope::store::SessionStore store(db, true);
    const auto info = store.info(id);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->mode, "infer");
    EXPECT_EQ(info->state, "finished");
    EXPECT_EQ(info->model, "brightness");
    const auto cfg = nlohmann::json::parse(info->config_json);
    for (const char* key : {"rate", "concurrency", "max_batch", "queue_delay_us", "load"}) EXPECT_TRUE(cfg.contains(key)) << key;
    EXPECT_EQ(cfg["max_batch"], 4);
    const auto rows = store.requests(id);
    ASSERT_EQ(rows.size(), 300u);
    for (const auto& row : rows) {
        EXPECT_GE(row.latency_ns, row.queue_ns);
        EXPECT_GE(row.batch_size, 1);
        EXPECT_TRUE(row.correct == 0 || row.correct == 1);
    }
    const auto knobs = store.knob_changes(id);
    ASSERT_EQ(knobs.size(), 1u);
    EXPECT_EQ(knobs[0].knob, "max_batch");
    EXPECT_EQ(knobs[0].new_value, 2);
    std::filesystem::remove(db);
}
