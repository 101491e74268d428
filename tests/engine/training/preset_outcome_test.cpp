// Expected outcomes of preset steps: parsed from the file (bad ones refused, naming the
// problem), evaluated against hand-made segment figures; every built-in lesson states them.
#include <gtest/gtest.h>

#include "batchscope/engine/preset.h"
#include "batchscope/engine/preset_outcome.h"
#include "batchscope/engine/preset_player.h"

using namespace batchscope::engine;

namespace {

std::string with_expect(const std::string& start_expect, const std::string& step_expect, const std::string& mode = "train") {
    const std::string knob = mode == "train" ? R"("knob": "workers", "value": 2)" : R"("knob": "rate", "value": 200)";
    return R"({"format": "batchscope-preset/1", "id": "t", "lesson": 9, "title": "T", "summary": "S", "explanation": "E",
               "mode": ")" + mode + R"(", "config": {}, )" + (start_expect.empty() ? "" : R"("expect": )" + start_expect + ",") +
           R"("steps": [{"title": "a", "explanation": "b", )" + knob + R"(, "expect": )" + step_expect + "}]}";
}

std::string error_of(const std::string& text) {
    try {
        parse_preset(text, "test.json");
    } catch (const PresetError& e) {
        return e.what();
    }
    return {};
}

Expectation expect(const std::string& metric, Expectation::Kind kind, double value, bool against_start = false) {
    Expectation e;
    e.metric = metric;
    e.kind = kind;
    e.value = value;
    e.against_start = against_start;
    return e;
}

}  // namespace

TEST(PresetOutcome, ParsedFromTheFile) {
    const Preset p = parse_preset(with_expect(R"([{"metric": "data_wait", "above": 0.2}])",
                                              R"([{"metric": "data_wait", "falls_by": 0.5}, {"metric": "samples_per_s", "rises_by": 1, "against": "start"}])"),
                                  "test.json");
    ASSERT_EQ(p.start_expect.size(), 1u);
    EXPECT_EQ(p.start_expect[0].kind, Expectation::Kind::Above);
    EXPECT_DOUBLE_EQ(p.start_expect[0].value, 0.2);
    ASSERT_EQ(p.steps[0].expect.size(), 2u);
    EXPECT_EQ(p.steps[0].expect[0].describe(), "data wait falls by at least 50%");
    EXPECT_TRUE(p.steps[0].expect[1].against_start);
    EXPECT_EQ(p.steps[0].expect[1].describe(), "samples/s rises by at least 100% over the start");
    EXPECT_EQ(p.start_expect[0].describe(), "data wait above 20%");
}

TEST(PresetOutcome, BadExpectationsAreRefusedNamingTheProblem) {
    std::string e = error_of(with_expect("", R"([{"metric": "latency", "above": 1}])"));
    EXPECT_NE(e.find("unknown metric \"latency\""), std::string::npos) << e;
    EXPECT_NE(e.find("data_wait"), std::string::npos) << e;  // lists what is allowed
    EXPECT_NE(e.find("step 1 expect"), std::string::npos) << e;
    e = error_of(with_expect("", R"([{"metric": "p99_us", "above": 1}])"));  // an inference metric in training
    EXPECT_NE(e.find("unknown metric"), std::string::npos) << e;
    e = error_of(with_expect("", R"([{"metric": "data_wait", "about": 1}])"));
    EXPECT_NE(e.find("one of"), std::string::npos) << e;
    e = error_of(with_expect("", R"([{"metric": "data_wait", "below": "low"}])"));
    EXPECT_NE(e.find("takes a number"), std::string::npos) << e;
    e = error_of(with_expect(R"([{"metric": "data_wait", "falls_by": 0.5}])", "[]"));
    EXPECT_NE(e.find("starting segment"), std::string::npos) << e;
    e = error_of(with_expect("", R"([{"metric": "data_wait", "falls_by": 0.5, "against": "end"}])"));
    EXPECT_NE(e.find("\"against\""), std::string::npos) << e;
    e = error_of(with_expect("", R"({"metric": "data_wait"})"));
    EXPECT_NE(e.find("must be a list"), std::string::npos) << e;
    EXPECT_EQ(error_of(with_expect("", R"([{"metric": "p99_us", "rises_by": 0.5}])", "infer")), "");
}

TEST(PresetOutcome, EvaluatedAgainstTheSegmentBefore) {
    const SegmentFigures before = {{"data_wait", 0.46}, {"samples_per_s", 10000}};
    const SegmentFigures after = {{"data_wait", 0.03}, {"samples_per_s", 18000}};
    auto o = evaluate(expect("data_wait", Expectation::Kind::FallsBy, 0.5), &before, after);
    ASSERT_TRUE(o);
    EXPECT_TRUE(o->held);  // 0.03 <= 0.46 x 0.5
    EXPECT_EQ(o->text, "data wait 46% → 3% (expected: falls by at least 50%): held");
    o = evaluate(expect("samples_per_s", Expectation::Kind::RisesBy, 1.0), &before, after);
    ASSERT_TRUE(o);
    EXPECT_FALSE(o->held);  // 18000 < 10000 x 2
    EXPECT_NE(o->text.find("did not hold"), std::string::npos);
    EXPECT_TRUE(evaluate(expect("samples_per_s", Expectation::Kind::Within, 0.8), &before, after)->held);   // +80%
    EXPECT_FALSE(evaluate(expect("samples_per_s", Expectation::Kind::Within, 0.79), &before, after)->held);
    EXPECT_TRUE(evaluate(expect("data_wait", Expectation::Kind::Below, 0.05), nullptr, after)->held);
    EXPECT_FALSE(evaluate(expect("data_wait", Expectation::Kind::Above, 0.05), nullptr, after)->held);
    // Nothing to compare with, or a figure the segment lacks: not measurable.
    EXPECT_FALSE(evaluate(expect("data_wait", Expectation::Kind::FallsBy, 0.5), nullptr, after));
    EXPECT_FALSE(evaluate(expect("p99_us", Expectation::Kind::Below, 5), &before, after));
}

TEST(PresetOutcome, SegmentHeldOnlyWhenEveryExpectationWasMeasuredAndHeld) {
    SegmentResult s;
    s.expectations = 2;
    s.outcomes = {Outcome{true, "a"}};
    EXPECT_FALSE(s.held());  // one could not be measured
    s.outcomes.push_back(Outcome{true, "b"});
    EXPECT_TRUE(s.held());
    s.outcomes[1].held = false;
    EXPECT_FALSE(s.held());
    PlayResult r;
    r.segments = {SegmentResult{}};
    EXPECT_TRUE(r.all_held());
    r.failure = "it failed";
    EXPECT_FALSE(r.all_held());
}

TEST(PresetOutcome, EveryBuiltInLessonStatesWhatItShows) {
    for (const Preset& p : builtin_presets()) {
        size_t stated = p.start_expect.size();
        for (const auto& s : p.steps) stated += s.expect.size();
        EXPECT_GE(stated, p.steps.size()) << p.id;
    }
}

TEST(PresetOutcome, ProgressJudgesEachSegmentOnceItsStepIsApplied) {
    const Preset p = parse_preset(with_expect(R"([{"metric": "data_wait", "above": 0.2}])",
                                              R"([{"metric": "data_wait", "falls_by": 0.5}])"),
                                  "test.json");
    PresetProgress g(p);
    EXPECT_EQ(g.segment(), 0);
    EXPECT_FALSE(g.measured_segment(0));
    g.measured({{"data_wait", 0.4}}, 0);
    ASSERT_EQ(g.outcomes(0).size(), 1u);
    EXPECT_TRUE(g.outcomes(0)[0].held);
    g.step_made(0);  // a live step: the run has made no change yet
    g.measured({{"data_wait", 0.41}}, 0);  // still the old setting's window: ignored
    EXPECT_FALSE(g.measured_segment(1));
    g.measured({{"data_wait", 0.1}}, 1);
    ASSERT_EQ(g.outcomes(1).size(), 1u);
    EXPECT_TRUE(g.outcomes(1)[0].held);  // 0.1 <= 0.4 x 0.5
    g.measured({{"data_wait", 0.3}}, 1);  // the latest window counts
    EXPECT_FALSE(g.outcomes(1)[0].held);
    EXPECT_TRUE(g.outcomes(5).empty());
}
