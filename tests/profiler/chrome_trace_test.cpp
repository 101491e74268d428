// The Chrome trace is parsed back and checked for the structure Perfetto and chrome://tracing
// rely on: metadata names every lane, complete events have ts/dur in µs, instants are global.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "batchscope/profiler/chrome_trace.h"
#include "profiler_fixtures.h"

using namespace batchscope::profiler;
using namespace batchscope::profiler::test;
using nlohmann::json;

namespace {

struct Parsed {
    json doc;
    std::map<int, std::string> thread_names;
    std::vector<json> slices;
    std::vector<json> instants;
};

Parsed parse(const ChromeTraceInput& in) {
    Parsed p;
    p.doc = json::parse(chrome_trace_json(in));
    for (const json& e : p.doc.at("traceEvents")) {
        const std::string ph = e.at("ph");
        if (ph == "M" && e.at("name") == "thread_name") p.thread_names[e.at("tid")] = e.at("args").at("name");
        if (ph == "X") p.slices.push_back(e);
        if (ph == "i") p.instants.push_back(e);
    }
    return p;
}

}  // namespace

TEST(ChromeTrace, LanesNamedIterationsNestedKnobChangesGlobal) {
    const int64_t t0 = 5'000'000'000;  // times are made relative to the earliest
    const std::vector<Event> events = {
        ev(Phase::Load, t0, t0 + 400'000, worker(0), 0),
        ev(Phase::Load, t0 + 10'000, t0 + 500'000, worker(1), 1),
        ev(Phase::Iteration, t0 + 100'000, t0 + 900'000, kCtl, 0),
        ev(Phase::DataWait, t0 + 100'000, t0 + 400'000, kCtl, 0),
        ev(Phase::H2D, t0 + 400'000, t0 + 450'500, kCtl, 0, 401'408),
        ev(Phase::Compute, t0 + 450'500, t0 + 880'000, kCtl, 0),
    };
    GpuActivity k;
    k.kind = GpuActivityKind::Kernel;
    k.name = "sgemm_128x64";
    k.start_ns = t0 + 460'000;
    k.end_ns = t0 + 800'000;
    k.stream_id = 13;
    k.id = 0;
    k.has_phase = true;
    k.phase = Phase::Compute;
    GpuActivity c;
    c.kind = GpuActivityKind::Memcpy;
    c.direction = CopyDirection::HtoD;
    c.bytes = 401'408;
    c.pinned = true;
    c.start_ns = t0 + 410'000;
    c.end_ns = t0 + 440'000;
    c.stream_id = 14;
    GpuActivity rt;
    rt.kind = GpuActivityKind::Runtime;
    rt.name = "cudaLaunchKernel";
    rt.start_ns = t0 + 455'000;
    rt.end_ns = t0 + 458'000;
    const std::vector<GpuActivity> gpu = {k, c, rt};
    const std::vector<KnobMarker> knobs = {{t0 + 50'000, 0, "prefetch_depth", 1, 4}};

    const Parsed p = parse({events, gpu, knobs, "batchscope test", -1});

    EXPECT_EQ(p.doc.at("displayTimeUnit"), "ns");
    EXPECT_EQ(p.thread_names.at(1), "controller");
    EXPECT_EQ(p.thread_names.at(100), "loader worker 0");
    EXPECT_EQ(p.thread_names.at(101), "loader worker 1");
    EXPECT_EQ(p.thread_names.at(300), "compute stream 0");
    EXPECT_EQ(p.thread_names.at(201), "copy stream 1");  // second stream seen
    EXPECT_EQ(p.thread_names.at(kTidCudaRuntime), "CUDA runtime");

    ASSERT_EQ(p.slices.size(), events.size() + gpu.size());
    std::set<int> tids_with_slices;
    double prev_ts = -1;
    for (const json& s : p.slices) {
        EXPECT_EQ(s.at("pid"), 1);
        const double ts = s.at("ts");
        EXPECT_GE(ts, prev_ts) << "sorted by time";
        prev_ts = ts;
        EXPECT_GE(s.at("dur").get<double>(), 0.0);
        tids_with_slices.insert(s.at("tid").get<int>());
        EXPECT_TRUE(p.thread_names.count(s.at("tid").get<int>())) << "every lane is named";
    }
    EXPECT_EQ(tids_with_slices.size(), 6u);

    // The iteration slice comes before (and encloses) the phases that start with it.
    const json& first_ctl = *std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("tid") == 1; });
    EXPECT_EQ(first_ctl.at("name"), "iteration 0");
    EXPECT_EQ(first_ctl.at("cat"), "iteration");
    EXPECT_DOUBLE_EQ(first_ctl.at("ts").get<double>(), 100.0);  // µs from the earliest time
    EXPECT_DOUBLE_EQ(first_ctl.at("dur").get<double>(), 800.0);
    const auto h2d = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("name") == "h2d"; });
    ASSERT_NE(h2d, p.slices.end());
    EXPECT_DOUBLE_EQ(h2d->at("dur").get<double>(), 50.5);  // ns resolution kept
    EXPECT_EQ(h2d->at("args").at("bytes"), 401408);

    const auto kern = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("cat") == "kernel"; });
    ASSERT_NE(kern, p.slices.end());
    EXPECT_EQ(kern->at("name"), "sgemm_128x64");
    EXPECT_EQ(kern->at("args").at("id"), 0);
    EXPECT_EQ(kern->at("args").at("phase"), "compute");
    const auto cp = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("cat") == "memcpy"; });
    ASSERT_NE(cp, p.slices.end());
    EXPECT_EQ(cp->at("name"), "HtoD 401.4 kB (pinned)");

    ASSERT_EQ(p.instants.size(), 1u);
    EXPECT_EQ(p.instants[0].at("s"), "g");
    EXPECT_EQ(p.instants[0].at("name"), "prefetch depth 1 → 4");
    EXPECT_DOUBLE_EQ(p.instants[0].at("ts").get<double>(), 50.0);
    EXPECT_EQ(p.instants[0].at("args").at("to"), 4);
}

TEST(ChromeTrace, EmptyInputIsStillAValidTrace) {
    const Parsed p = parse({});
    EXPECT_TRUE(p.slices.empty());
    EXPECT_EQ(p.doc.at("traceEvents").size(), 1u);  // the process name
}

TEST(ChromeTrace, NamesNeedingEscapesSurvive) {
    GpuActivity k;
    k.kind = GpuActivityKind::Kernel;
    k.name = "void f<\"x\">(float*, \\n)";
    k.end_ns = 10;
    const std::vector<GpuActivity> gpu = {k};
    const Parsed p = parse({{}, gpu, {}, "p", 0});
    ASSERT_EQ(p.slices.size(), 1u);
    EXPECT_EQ(p.slices[0].at("name"), k.name);
}
