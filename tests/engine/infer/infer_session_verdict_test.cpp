// A saved inference session keeps a serving verdict per window, cut at each knob change, with the
// advice and its expectation in the text, and after a change to the advised value the check of
// what it predicted (no schema change: store::VerdictRow).
#include <gtest/gtest.h>

#include <algorithm>
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

namespace {

// A saved session of an overloaded 1 ms server at 3,000 requests/s (max batch 1): 2,001 requests
// (one window of 2 s), then the knob changes `changes` (knob, value) one after another, then 300
// requests 2 ms apart. Returns its verdict rows.
std::vector<batchscope::store::VerdictRow> session_with_changes(const std::string& name, const std::vector<RequestRecord>& first,
                                                                const std::vector<std::pair<batchscope::knobs::Knob, int64_t>>& changes,
                                                                bool window_first = true) {
    const std::string db = (std::filesystem::temp_directory_path() / name).string();
    std::filesystem::remove(db);
    std::shared_ptr<BatchService> service = make_synthetic_service(fixed_service_time(1'000'000), "synthetic 1 ms");
    InferConfig c;
    c.mode = LoadMode::Constant;
    c.rate = 3000;
    c.max_batch = 1;
    int64_t id = 0, free_us = first.back().done_ns / 1000, next = static_cast<int64_t>(first.size());
    {
        InferSessionSink sink(db, c, *service, "", "stream");
        id = sink.session_id();
        if (window_first)
            for (const RequestRecord& r : first) sink.on_batch(std::span<const RequestRecord>(&r, 1));
        for (const auto& [knob, value] : changes) {
            KnobChange k;
            k.time_ns = free_us * 1000;
            k.iteration = next;
            k.knob = std::string(batchscope::knobs::info(knob).name);
            k.new_value = value;
            sink.on_knob_change(k);
        }
        const std::vector<RequestRecord> after = served(next, 300, free_us, 2000, free_us);
        for (const RequestRecord& r : after) sink.on_batch(std::span<const RequestRecord>(&r, 1));
        sink.on_end(RunState::Finished, "", InferResult{});
    }
    batchscope::store::SessionStore store(db, true);
    auto rows = store.verdicts(id);
    std::filesystem::remove(db);
    return rows;
}

// What a check's text says was predicted (before "; measured").
std::string predicted_part(const ServingExpectation& e) {
    const std::string t = check_serving_prediction(e, ServingWindow{}).text;
    return t.substr(0, t.find("; measured"));
}

}  // namespace

// `infer --apply-advice`, a preset step or the dashboard may change a knob to another value than
// the session's last advice (max batch 1 → 64 where it advised 1 → 4): the change is predicted
// from the window before it, and the next window saves that prediction against what it measured.
// (Before, nothing was saved for such a change.)
TEST(InferSessionVerdict, AChangeThatIsNotTheAdviceIsPredictedAndChecked) {
    using batchscope::knobs::Knob;
    int64_t free_us = 0;
    const std::vector<RequestRecord> first = served(0, 2001, 0, 333, free_us);
    const ServingSetting setting{LoadMode::Constant, 3000, 1, 1, 0};
    const ServingVerdict v = judge_serving(first, setting);
    ASSERT_FALSE(v.advice.empty()) << v.note;
    int to = 0;  // a max batch no advice gives
    for (int m : {64, 32, 16, 8, 2})
        if (std::none_of(v.advice.begin(), v.advice.end(), [&](const ServingAdvice& a) { return a.knob == Knob::MaxBatch && a.to == m; })) {
            to = m;
            break;
        }
    ASSERT_GT(to, 0);
    const ServingAdvice predicted = predict_serving_change(first, setting, Knob::MaxBatch, static_cast<double>(to));
    ASSERT_TRUE(predicted.expected.valid()) << predicted.reason;
    const auto rows = session_with_changes("bs_infer_session_other_change.db", first, {{Knob::MaxBatch, to}});
    ASSERT_EQ(rows.size(), 2u);  // the window before the change, the 300 after it
    const std::string line = "change applied (" + predicted.change() + "; the last advice was " + v.advice.front().change() +
                             "): " + predicted_part(predicted.expected) + "; measured p99 ";
    EXPECT_NE(rows[1].advice.find(line), std::string::npos) << line << "\n---\n" << rows[1].advice;
    EXPECT_EQ(rows[1].advice.find("advice applied"), std::string::npos) << rows[1].advice;
    // A window with no advice (a request every 2 ms, served in 1 ms): a change is predicted all the same.
    int64_t calm_free_us = 0;
    const std::vector<RequestRecord> calm = served(0, 1001, 0, 2000, calm_free_us);
    ASSERT_TRUE(judge_serving(calm, setting).advice.empty());
    const auto unadvised = session_with_changes("bs_infer_session_unadvised_change.db", calm, {{Knob::MaxBatch, 8}});
    ASSERT_EQ(unadvised.size(), 2u);
    EXPECT_NE(unadvised[1].advice.find("change applied (max batch 1 → 8; no advice before it): predicted p99 "), std::string::npos)
        << unadvised[1].advice;
    // The advice itself still reads as the advice applied.
    const ServingAdvice& advice = v.advice.front();
    const auto advised = session_with_changes("bs_infer_session_advised_change.db", first, {{advice.knob, std::llround(advice.to)}});
    ASSERT_EQ(advised.size(), 2u);
    EXPECT_NE(advised[1].advice.find("advice applied (" + advice.change() + "): " + predicted_part(advice.expected)), std::string::npos)
        << advised[1].advice;
}

// Nothing is claimed where nothing was predicted from the setting just before the change: changes
// of two knobs with no window between them, or a change before any window of 100 requests. Two
// changes of one knob are one change from the window's setting (max batch 1 → 16).
TEST(InferSessionVerdict, NoCheckIsSavedWithoutAWindowOfTheSettingBeforeTheChange) {
    using batchscope::knobs::Knob;
    int64_t free_us = 0;
    const std::vector<RequestRecord> first = served(0, 2001, 0, 333, free_us);
    auto checked = [](const std::vector<batchscope::store::VerdictRow>& rows) {
        return std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.advice.find(" applied (") != std::string::npos; });
    };
    const auto two = session_with_changes("bs_infer_session_two_changes.db", first, {{Knob::MaxBatch, 8}, {Knob::QueueDelayUs, 500}});
    ASSERT_EQ(two.size(), 2u);
    EXPECT_FALSE(checked(two)) << two[1].advice;
    const auto one_knob = session_with_changes("bs_infer_session_one_knob_twice.db", first, {{Knob::MaxBatch, 8}, {Knob::MaxBatch, 16}});
    ASSERT_EQ(one_knob.size(), 2u);
    EXPECT_NE(one_knob[1].advice.find("change applied (max batch 1 → 16; the last advice was "), std::string::npos)
        << one_knob[1].advice;
    const auto none = session_with_changes("bs_infer_session_no_window.db", first, {{Knob::MaxBatch, 8}}, /*window_first=*/false);
    ASSERT_EQ(none.size(), 1u);
    EXPECT_FALSE(checked(none)) << none[0].advice;
}
