// Bad input: each gets an ImportError naming the file and what is wrong (with the byte offset
// where the JSON broke); a trace that ends early inside its events keeps its complete steps.
#include <gtest/gtest.h>

#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_reader.h"
#include "trace_files.h"

using namespace batchscope::trace_import;
using bs_trace_test::TempDir;

namespace {

std::string error_reading(const std::string& path) {
    try {
        (void)read_trace(path);
    } catch (const ImportError& e) {
        return e.what();
    }
    return "no error";
}

std::string error_for(const TempDir& d, const std::string& text) {
    const std::string path = d.path("bad.json");
    bs_trace_test::write_text(path, text);
    return error_reading(path);
}

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << text

}  // namespace

TEST(BadTrace, NotJson) {
    TempDir d;
    const std::string e = error_for(d, "hello, this is text");
    EXPECT_HAS(e, d.path("bad.json"));
    EXPECT_HAS(e, "is not JSON: byte 0 is 'h'");
    EXPECT_HAS(error_for(d, ""), "empty");
    EXPECT_HAS(error_for(d, "this is not json"), "is not JSON: byte 0 is 't'");
    EXPECT_HAS(error_for(d, R"({"traceEvents": [{"ph":"X","ts":1,"dur":1}] } trailing)"), "more text after the end");
}

TEST(BadTrace, JsonThatIsNotATrace) {
    TempDir d;
    EXPECT_HAS(error_for(d, "42"), "is JSON but not a trace");
    EXPECT_HAS(error_for(d, " true"), "is JSON but not a trace");
    EXPECT_HAS(error_for(d, R"({"name": "config", "values": [1, 2, 3]})"), "no \"traceEvents\" array");
    EXPECT_HAS(error_for(d, R"({"traceEvents": {"a": 1}})"), "is not an array");
    EXPECT_HAS(error_for(d, R"({"traceEvents": [1, 2]})"), "the event at byte 17 is not a JSON object");
    EXPECT_HAS(error_for(d, R"([{"name": "no phase", "ts": 1}])"), "has no \"ph\"");
}

TEST(BadTrace, BadJsonInsideAnEventNamesItsOffset) {
    TempDir d;
    EXPECT_HAS(error_for(d, R"({"traceEvents": [{"ph":"X","ts":1,"dur":1}, {"ph":"X","ts":1,,}]})"),
               "the event at byte 44 is not valid JSON");
    EXPECT_HAS(error_for(d, R"({"traceEvents": [{"ph":"X","ts":1,"dur":1} {"ph":"X"}]})"),
               "expected ',' or ']' after the event at byte 17");
}

TEST(BadTrace, BadFields) {
    TempDir d;
    EXPECT_HAS(error_for(d, R"([{"ph":"X","name":"a","ts":"12","dur":1}])"), "\"ts\" that is not a number");
    EXPECT_HAS(error_for(d, R"([{"ph":"X","name":"op","ts":12}])"), "(\"op\") has no \"dur\"");
    EXPECT_HAS(error_for(d, R"([{"ph":"X","name":"op","dur":12}])"), "(\"op\") has no \"ts\"");
    EXPECT_HAS(error_for(d, R"([{"ph":"X","name":"op","ts":12,"dur":-3.5}])"), "(\"op\") has a negative duration (-3.5 us)");
    EXPECT_HAS(error_for(d, R"([{"ph":"X","name":"op","ts":9007199254740993,"dur":1}])"),
               "\"ts\" that is an integer beyond 2^53");
    EXPECT_HAS(error_for(d, R"({"distributedInfo": [1, "x"], "traceEvents": []})"),
               "\"distributedInfo\" that cannot be read");
}

TEST(BadTrace, TruncatedBeforeAnyEvent) {
    TempDir d;
    EXPECT_HAS(error_for(d, R"({"schemaVersion": 1, "deviceProp)"), "ends early at byte 32, before any trace events");
}

TEST(BadTrace, TruncatedInsideEventsKeepsCompleteSteps) {
    TempDir d;
    const std::string full = bs_trace_test::small_gpu_trace();
    // Cut inside the event after the launch at ts 1160 (the last complete event read): step 7
    // (window ends at 1150) is complete, step 8 (ends at 1200) is lost.
    const size_t cut = full.find("Memcpy DtoH");
    ASSERT_NE(cut, std::string::npos);
    bs_trace_test::write_text(d.path("cut.json"), full.substr(0, cut));
    ParsedTrace t = read_trace(d.path("cut.json"));
    EXPECT_TRUE(t.meta.truncated);
    EXPECT_FALSE(t.meta.gzip_truncated);
    EXPECT_EQ(t.meta.truncated_at, cut);
    const TraceAnalysis a = analyse_trace(t);
    EXPECT_EQ(a.steps_seen, 2);
    EXPECT_EQ(a.steps_lost, 1);
    ASSERT_EQ(a.steps.size(), 1u);
    EXPECT_EQ(a.steps[0].number, 7);
    EXPECT_EQ(a.steps[0].wall_ns, 150000);
}

TEST(BadTrace, TruncatedGzipKeepsWhatCameBefore) {
    TempDir d;
    std::string big = "[";  // many steps so that a cut in the middle leaves complete ones
    for (int i = 0; i < 4000; ++i) {
        const std::string ts = std::to_string(i * 100);
        big += std::string(i ? "," : "") + R"({"ph":"X","cat":"user_annotation","name":"ProfilerStep#)" +
               std::to_string(i) + R"(","ts":)" + ts + R"(,"dur":100},{"ph":"X","name":"aten::op_)" +
               std::to_string(i * 7919 % 10007) + R"(","ts":)" + ts + R"(,"dur":50})";
    }
    big += "]";
    bs_trace_test::write_gzip(d.path("whole.json.gz"), big);
    const std::string gz = bs_trace_test::read_bytes(d.path("whole.json.gz"));
    bs_trace_test::write_text(d.path("cut.json.gz"), gz.substr(0, gz.size() / 2));
    ParsedTrace t = read_trace(d.path("cut.json.gz"));
    EXPECT_TRUE(t.meta.truncated);
    EXPECT_TRUE(t.meta.gzip_truncated);
    EXPECT_LT(t.meta.json_bytes, big.size());
    const TraceAnalysis a = analyse_trace(t);
    EXPECT_GT(a.steps.size(), 100u);
    EXPECT_LT(a.steps.size(), 4000u);
    EXPECT_LE(a.steps_lost, 1);
    for (const StepParts& s : a.steps) EXPECT_EQ(s.wall_ns, 100000);
}

TEST(BadTrace, CorruptGzip) {
    TempDir d;
    bs_trace_test::write_gzip(d.path("ok.json.gz"), bs_trace_test::small_gpu_trace());
    std::string gz = bs_trace_test::read_bytes(d.path("ok.json.gz"));
    for (size_t i = gz.size() - 8; i < gz.size(); ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);  // CRC and size
    bs_trace_test::write_text(d.path("bad.json.gz"), gz);
    const std::string e = error_reading(d.path("bad.json.gz"));
    EXPECT_HAS(e, "bad.json.gz: the gzip data is corrupt");
}

TEST(BadTrace, MissingFileAndFolder) {
    TempDir d;
    EXPECT_HAS(error_reading(d.path("none.json")), "none.json: no such file");
    EXPECT_HAS(error_reading(d.dir), "is a folder");
}
