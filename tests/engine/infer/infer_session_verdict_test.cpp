// A saved inference session keeps a serving verdict per window, cut at each knob change, with the
// advice and its expectation in the text, and after a change to the advised value the check of
// what it predicted (no schema change: store::VerdictRow).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/store/session_store.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;

TEST(InferSessionVerdict, EachWindowIsJudgedAndTheKnobChangeCutsIt) {
    const std::string db = (std::filesystem::temp_directory_path() / "bs_infer_session_verdict_test.db").string();
    std::filesystem::remove(db);
    // 1 ms per batch and 3,000 requests/s: the server falls behind at max batch 1 on any machine.
    std::shared_ptr<BatchService> service = make_synthetic_service(fixed_service_time(1'000'000), "synthetic 1 ms");
    InferConfig c;
    c.mode = LoadMode::Poisson;
    c.rate = 3000;
    c.requests = 900;
    c.max_batch = 1;
    int64_t id = 0;
    {
        auto sink = std::make_shared<InferSessionSink>(db, c, *service, "", "stream");
        id = sink->session_id();
        InferenceRun run(c, service);
        run.set_sink(sink);
        run.start();
        for (int i = 0; i < 4000 && run.snapshot()->totals.completed < 200; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        run.set_max_batch(16);
        run.wait();
        EXPECT_GE(sink->verdicts(), 2u);
    }
    batchscope::store::SessionStore store(db, true);
    const auto rows = store.verdicts(id);
    ASSERT_GE(rows.size(), 2u);
    EXPECT_EQ(rows.front().verdict, "queue behind a busy server") << rows.front().advice;
    EXPECT_NE(rows.front().advice.find("of the mean latency"), std::string::npos) << rows.front().advice;
    EXPECT_LE(rows.front().first_iteration, rows.front().last_iteration);
    EXPECT_LT(rows.front().last_iteration, rows.back().first_iteration) << "the knob change cuts the window";
    std::filesystem::remove(db);
}
