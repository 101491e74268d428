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

namespace {

// Requests every `gap_us` from `t0_us` served one at a time by a 1 ms service that starts each as
// soon as the previous is done (an overloaded server at 3,000 requests/s).
std::vector<RequestRecord> served(int64_t first_id, int n, int64_t t0_us, int64_t gap_us, int64_t& free_us) {
    std::vector<RequestRecord> out;
    for (int i = 0; i < n; ++i) {
        RequestRecord r;
        r.id = first_id + i;
        r.scheduled_ns = r.issued_ns = (t0_us + i * gap_us) * 1000;
        r.start_ns = std::max(r.issued_ns, free_us * 1000);
        r.done_ns = r.start_ns + 1'000'000;
        r.compute_ns = 1'000'000;
        r.batch_size = 1;
        free_us = r.done_ns / 1000;
        out.push_back(r);
    }
    return out;
}

}  // namespace

// The few requests served between the last window and a knob change make a window too short to
// advise; the change that follows still applies the advice before it, and the next window checks
// it. (That short window used to wipe the advice: no "advice applied" line was ever written.)
TEST(InferSessionVerdict, AShortWindowBeforeAChangeKeepsTheAdviceItApplies) {
    const std::string db = (std::filesystem::temp_directory_path() / "bs_infer_session_short_window.db").string();
    std::filesystem::remove(db);
    std::shared_ptr<BatchService> service = make_synthetic_service(fixed_service_time(1'000'000), "synthetic 1 ms");
    InferConfig c;
    c.mode = LoadMode::Constant;
    c.rate = 3000;
    c.max_batch = 1;
    int64_t free_us = 0;
    const std::vector<RequestRecord> first = served(0, 2001, 0, 333, free_us);  // done 1 ms apart: 2 s, one window
    const ServingSetting setting{c.mode, c.rate, c.concurrency, c.max_batch, c.queue_delay_us};
    const ServingVerdict expected = judge_serving(first, setting);
    ASSERT_FALSE(expected.advice.empty()) << expected.note;
    const ServingAdvice& advice = expected.advice.front();
    int64_t id = 0;
    {
        InferSessionSink sink(db, c, *service, "", "stream");
        id = sink.session_id();
        for (const RequestRecord& r : first) sink.on_batch(std::span<const RequestRecord>(&r, 1));  // closes a window at 2 s
        int64_t t = first.back().scheduled_ns / 1000 + 333;
        const std::vector<RequestRecord> few = served(2001, 30, t, 333, free_us);
        for (const RequestRecord& r : few) sink.on_batch(std::span<const RequestRecord>(&r, 1));
        KnobChange k;
        k.time_ns = free_us * 1000;
        k.iteration = 2031;
        k.knob = std::string(batchscope::knobs::info(advice.knob).name);
        k.old_value = std::llround(advice.from);
        k.new_value = std::llround(advice.to);
        sink.on_knob_change(k);
        t = few.back().scheduled_ns / 1000 + 333;
        const std::vector<RequestRecord> after = served(2031, 300, std::max(t, free_us), 2000, free_us);
        for (const RequestRecord& r : after) sink.on_batch(std::span<const RequestRecord>(&r, 1));
        sink.on_end(RunState::Finished, "", InferResult{});
    }
    batchscope::store::SessionStore store(db, true);
    const auto rows = store.verdicts(id);
    ASSERT_EQ(rows.size(), 3u);  // the first window, the 30 before the change, the 300 after it
    EXPECT_NE(rows[1].advice.find("no advice from 30 requests"), std::string::npos) << rows[1].advice;
    EXPECT_NE(rows[2].advice.find("advice applied (" + advice.change() + "): predicted"), std::string::npos)
        << rows[2].advice;
    std::filesystem::remove(db);
}
