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

    const Parsed p = parse({events, gpu, knobs, "batchscope test", -1, {}, {}});

    EXPECT_EQ(p.doc.at("displayTimeUnit"), "ns");
    EXPECT_EQ(p.doc.at("schemaVersion"), 1);
    EXPECT_EQ(p.doc.at("distributedInfo"), json::parse(R"({"rank":0,"world_size":1,"backend":"none"})"));
    EXPECT_FALSE(p.doc.contains("deviceProperties"));  // none given
    EXPECT_EQ(p.thread_names.at(1), "training loop (controller)");
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
    EXPECT_EQ(first_ctl.at("name"), "ProfilerStep#0");
    EXPECT_EQ(first_ctl.at("cat"), "user_annotation");
    EXPECT_DOUBLE_EQ(first_ctl.at("ts").get<double>(), 100.0);  // µs from the earliest time
    EXPECT_DOUBLE_EQ(first_ctl.at("dur").get<double>(), 800.0);
    const auto h2d = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("name") == "h2d"; });
    ASSERT_NE(h2d, p.slices.end());
    EXPECT_DOUBLE_EQ(h2d->at("dur").get<double>(), 50.5);  // ns resolution kept
    EXPECT_EQ(h2d->at("args").at("bytes"), 401408);
    EXPECT_EQ(h2d->at("cat"), "cpu_op");  // the host's side: the copy itself is on the copy stream

    const auto kern = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("cat") == "kernel"; });
    ASSERT_NE(kern, p.slices.end());
    EXPECT_EQ(kern->at("name"), "sgemm_128x64");
    EXPECT_EQ(kern->at("args").at("id"), 0);
    EXPECT_EQ(kern->at("args").at("phase"), "compute");
    EXPECT_EQ(kern->at("args").at("stream"), 13);
    const auto cp = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("cat") == "gpu_memcpy"; });
    ASSERT_NE(cp, p.slices.end());
    EXPECT_EQ(cp->at("name"), "Memcpy HtoD (Pinned -> Device)");
    EXPECT_EQ(cp->at("args").at("bytes"), 401408);
    const auto wait = std::find_if(p.slices.begin(), p.slices.end(), [](const json& s) { return s.at("name") == kDataWaitAnnotation; });
    ASSERT_NE(wait, p.slices.end());
    EXPECT_EQ(wait->at("cat"), "user_annotation");
    EXPECT_DOUBLE_EQ(wait->at("dur").get<double>(), 300.0);

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
    const Parsed p = parse({{}, gpu, {}, "p", 0, {}, {}});
    ASSERT_EQ(p.slices.size(), 1u);
    EXPECT_EQ(p.slices[0].at("name"), k.name);
}

// Inference: overlapping requests become nestable async slices (one nest per request id) that
// hold their phases; batches stay complete slices on the server lane.
TEST(ChromeTrace, RequestsAreAsyncNestsWithTheirPhasesInside) {
    const Lane req{LaneKind::Requests, 0}, server{LaneKind::Server, 0};
    const std::vector<Event> events = {
        // Request 1 waits behind request 0's batch: the two overlap.
        ev(Phase::Request, 1'000, 9'000, req, 1), ev(Phase::QueueWait, 1'000, 5'000, req, 1),
        ev(Phase::H2D, 5'000, 6'000, req, 1, 3136), ev(Phase::Compute, 6'000, 8'000, req, 1),
        ev(Phase::D2H, 8'000, 9'500, req, 1),  // sticks out of its request: clamped to 9'000
        ev(Phase::Request, 0, 4'000, req, 0), ev(Phase::QueueWait, 0, 1'000, req, 0),
        ev(Phase::Compute, 1'000, 4'000, req, 0),
        ev(Phase::Batch, 1'000, 4'000, server, 0), ev(Phase::Batch, 5'000, 9'000, server, 1),
    };
    const json doc = json::parse(chrome_trace_json({events, {}, {}, "p", 0, {}, {}}));
    std::map<int64_t, std::vector<json>> by_id;
    std::vector<json> batches;
    std::map<int, std::string> names;
    for (const json& e : doc.at("traceEvents")) {
        if (e.at("ph") == "b" || e.at("ph") == "e") {
            EXPECT_EQ(e.at("cat"), "request");
            by_id[e.at("id").get<int64_t>()].push_back(e);
        }
        if (e.at("ph") == "X") batches.push_back(e);
        if (e.at("ph") == "M" && e.at("name") == "thread_name") names[e.at("tid")] = e.at("args").at("name");
    }
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(batches[0].at("name"), "batch from request 0");
    EXPECT_EQ(names.at(500), "server");
    ASSERT_EQ(by_id.size(), 2u);
    // Each request: properly nested begin/end pairs, the request outermost, times inside it.
    for (const auto& [id, evs] : by_id) {
        std::vector<std::string> stack;
        ASSERT_FALSE(evs.empty());
        EXPECT_EQ(evs.front().at("name"), "request");
        EXPECT_EQ(evs.front().at("args").at("request"), id);
        const double t_begin = evs.front().at("ts"), t_end = evs.back().at("ts");
        double prev = t_begin;
        for (const json& e : evs) {
            const double ts = e.at("ts");
            EXPECT_GE(ts, prev) << "request " << id;
            EXPECT_LE(ts, t_end);
            prev = ts;
            if (e.at("ph") == "b") stack.push_back(e.at("name"));
            else {
                ASSERT_FALSE(stack.empty());
                EXPECT_EQ(stack.back(), e.at("name").get<std::string>());
                stack.pop_back();
            }
        }
        EXPECT_TRUE(stack.empty());
    }
    ASSERT_EQ(by_id.at(1).size(), 10u);  // request, queue wait, h2d, compute, d2h: begin and end each
    EXPECT_EQ(by_id.at(1)[1].at("name"), "queue wait");
    EXPECT_DOUBLE_EQ(by_id.at(1)[2].at("ts").get<double>(), 5.0);  // the queue wait ends at 5 us ...
    EXPECT_EQ(by_id.at(1)[2].at("ph"), "e");
    EXPECT_EQ(by_id.at(1)[3].at("name"), "h2d");  // ... before the h2d that starts there begins
    EXPECT_EQ(by_id.at(1)[3].at("args").at("bytes"), 3136);
    EXPECT_DOUBLE_EQ(by_id.at(1)[8].at("ts").get<double>(), 9.0);  // d2h clamped into its request
    EXPECT_EQ(by_id.at(0).size(), 6u);
}

// Kineto's vocabulary for what a reader of PyTorch traces counts: on the CPU backend (no stream
// lanes) the batch copies are pageable memcpys and compute is a cpu_op; with stream lanes the
// copies on the copy stream are pinned memcpys, compute there is a kernel, and the controller's
// copies and compute are the host's side (cpu_op). deviceProperties when a device is given.
TEST(ChromeTrace, KinetoCategoriesOnTheCpuAndOnStreams) {
    const std::vector<Event> cpu = {
        ev(Phase::Iteration, 0, 10'000, kCtl, 7),        ev(Phase::DataWait, 0, 2'000, kCtl, 7),
        ev(Phase::H2D, 2'000, 3'000, kCtl, 7, 4096),     ev(Phase::Compute, 3'000, 9'000, kCtl, 7),
        ev(Phase::D2H, 9'000, 9'500, kCtl, 7, 40),       ev(Phase::Host, 9'500, 10'000, kCtl, 7),
    };
    std::map<std::string, std::string> cat;  // name -> category
    const Parsed p = parse({cpu, {}, {}, "cpu", -1, {}, {}});
    for (const json& s : p.slices) cat[s.at("name")] = s.at("cat");
    EXPECT_EQ(cat.at("ProfilerStep#7"), "user_annotation");
    EXPECT_EQ(cat.at(kDataWaitAnnotation), "user_annotation");
    EXPECT_EQ(cat.at("Memcpy HtoD (Pageable -> Device)"), "gpu_memcpy");
    EXPECT_EQ(cat.at("Memcpy DtoH (Device -> Pageable)"), "gpu_memcpy");
    EXPECT_EQ(cat.at("compute"), "cpu_op");
    EXPECT_EQ(cat.at("host"), "cpu_op");
    EXPECT_EQ(cat.size(), 6u);

    std::vector<Event> gpu = cpu;
    gpu.push_back(ev(Phase::H2D, 2'100, 2'900, Lane{LaneKind::CopyStream, 0}, 7, 4096));
    gpu.push_back(ev(Phase::Compute, 3'100, 8'000, Lane{LaneKind::ComputeStream, 0}, 7));
    gpu.push_back(ev(Phase::D2H, 9'100, 9'400, Lane{LaneKind::CopyStream, 0}, 7, 40));
    const std::vector<TraceDevice> devices = {{0, "NVIDIA H100", 80'000'000'000}};
    ChromeTraceInput in{gpu, {}, {}, "gpu", -1, devices, {}};
    const Parsed g = parse(in);
    EXPECT_EQ(g.doc.at("deviceProperties"), json::parse(R"([{"id":0,"name":"NVIDIA H100","totalGlobalMem":80000000000}])"));
    std::multimap<std::string, json> by_name;
    for (const json& s : g.slices) by_name.emplace(s.at("name"), s);
    ASSERT_EQ(by_name.count("Memcpy HtoD (Pinned -> Device)"), 1u);
    const json& h2d = by_name.find("Memcpy HtoD (Pinned -> Device)")->second;
    EXPECT_EQ(h2d.at("cat"), "gpu_memcpy");
    EXPECT_EQ(h2d.at("tid"), 200);
    EXPECT_EQ(h2d.at("args").at("bytes"), 4096);
    EXPECT_DOUBLE_EQ(h2d.at("dur").get<double>(), 0.8);
    EXPECT_EQ(by_name.count("Memcpy DtoH (Device -> Pinned)"), 1u);
    EXPECT_EQ(by_name.count("Memcpy HtoD (Pageable -> Device)"), 0u);  // the controller's side is not a copy
    ASSERT_EQ(by_name.count("compute"), 2u);
    std::set<std::string> compute_cats;
    for (auto [it, end] = by_name.equal_range("compute"); it != end; ++it)
        compute_cats.insert(it->second.at("cat").get<std::string>() + "@" + std::to_string(it->second.at("tid").get<int>()));
    EXPECT_EQ(compute_cats, (std::set<std::string>{"cpu_op@1", "kernel@300"}));
    EXPECT_EQ(by_name.find("h2d")->second.at("cat"), "cpu_op");
}

// An imported trace's CPU threads are controller lanes 0, 1, 2, ...: each keeps a thread of its
// own in the export (they all became thread 1 before, and their slices overlapped on one row).
TEST(ChromeTrace, EveryControllerLaneIsAThreadOfItsOwn) {
    const std::vector<Event> events = {
        ev(Phase::Iteration, 0, 1'000, kCtl, 0),
        ev(Phase::DataWait, 0, 400, Lane{LaneKind::Controller, 1}, 0),
        ev(Phase::DataWait, 100, 500, Lane{LaneKind::Controller, 2}, 0),
    };
    ChromeTraceInput in;
    in.events = events;
    const Parsed p = parse(in);
    std::set<int> tids;
    for (const json& s : p.slices) tids.insert(s.at("tid").get<int>());
    EXPECT_EQ(tids.size(), 3u);
    EXPECT_EQ(p.thread_names.size(), 3u);
    EXPECT_TRUE(tids.count(1));
}
