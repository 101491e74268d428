// Checks the verdict's advice on real training runs: a grid of scenarios (storage profile x
// workers x prefetch depth x batch x model). For each: run to a steady state, judge a window,
// apply the first advice live, measure again, and compare what the advice predicted with what
// was measured. A hit: samples/s up by 10% or more, or the data wait cut by a third or more.
// "No advice" is a miss when one single knob change of the grid (workers 1 -> 4, prefetch -> 4,
// batch x 4) gains 20% or more. Prints a Markdown table and the hit rate and median error.
//
// Then the same for serving (serving_bench.h): inference streams on synthetic services, the
// serving verdict's first advice applied live; a hit: p99 cut by a third or throughput up 10%.
// Each serving change is measured in --serving-rounds windows per side (3), alternating with the
// setting before it, and the medians compared (one window's p99 is too noisy alone).
//
//   bench_advice [--segment-s S] [--first N] [--count N] [--serving-only | --training-only]
//                [--serving-segment-s S] [--serving-rounds N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/training_run.h"
#include "batchscope/engine/verdict_context.h"
#include "batchscope/profiler/verdict.h"
#include "batchscope/profiler/window_summary.h"
#include "bench_wait.h"
#include "serving_bench.h"

using namespace batchscope;

namespace {

class Collect : public engine::RunSink {
public:
    void on_iteration(const engine::IterationRecord& r) override {
        std::lock_guard lock(m_);
        records_.push_back(r);
    }
    void on_epoch(const engine::EpochRecord&) override {}
    void on_knob_change(const engine::KnobChange&) override {}
    void on_end(engine::RunState, const std::string&) override {}
    std::vector<engine::IterationRecord> since(int64_t first) const {
        std::lock_guard lock(m_);
        std::vector<engine::IterationRecord> out;
        for (const auto& r : records_)
            if (r.iteration >= first) out.push_back(r);
        return out;
    }
    int64_t next_iteration() const {
        std::lock_guard lock(m_);
        return records_.empty() ? 0 : records_.back().iteration + 1;
    }

private:
    mutable std::mutex m_;
    std::vector<engine::IterationRecord> records_;
};

struct Scenario {
    const char* storage;
    int workers, prefetch, batch;
    const char* model;
    bool augment;
};

profiler::WindowSummary summary(const std::vector<engine::IterationRecord>& rs) {
    std::vector<profiler::IterationSample> s;
    for (const auto& r : rs) s.push_back({r.iteration, r.epoch, r.batch_size, r.start_ns, r.end_ns, r.breakdown, r.loss, r.queue_depth});
    return profiler::summarize(s);
}

using bench_wait::applied;
using bench_wait::sleep_s;

std::string set(engine::TrainingRun& run, const std::string& knob, int v) {
    if (knob == "workers") return run.set_workers(v);
    if (knob == "prefetch_depth") return run.set_prefetch_depth(v);
    if (knob == "batch_size") return run.set_batch_size(v);
    return "not a live knob: " + knob;
}

constexpr size_t kMinWindow = 5;  // iterations: fewer is no window to judge (a slow disk on a busy machine)

// Measures `seconds` of iterations after `from` (+2 to let the pipeline refill), longer (up to
// 4 x seconds more) until the window holds kMinWindow iterations.
profiler::WindowSummary measure(engine::TrainingRun& run, Collect& c, int64_t from, double seconds,
                                std::vector<engine::IterationRecord>* kept = nullptr) {
    sleep_s(seconds);
    (void)run;
    auto rs = c.since(from + 2);
    for (int i = 0; i < 8 && rs.size() < kMinWindow; ++i) {
        sleep_s(seconds / 2);
        rs = c.since(from + 2);
    }
    if (kept) *kept = rs;
    return summary(rs);
}

bool better(const profiler::WindowSummary& before, const profiler::WindowSummary& after, double gain) {
    return after.samples_per_s() >= before.samples_per_s() * (1 + gain);
}

}  // namespace

int main(int argc, char** argv) {
    double segment = 3, serving_segment = 2;
    int serving_rounds = 3;
    size_t first = 0, count = 1000;
    bool training = true, serving = true;
    for (int i = 1; i < argc; ++i) {
        const bool value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--serving-only")) training = false;
        else if (!std::strcmp(argv[i], "--training-only")) serving = false;
        else if (value && !std::strcmp(argv[i], "--segment-s")) segment = std::atof(argv[++i]);
        else if (value && !std::strcmp(argv[i], "--serving-segment-s")) serving_segment = std::atof(argv[++i]);
        else if (value && !std::strcmp(argv[i], "--serving-rounds")) serving_rounds = std::atoi(argv[++i]);
        else if (value && !std::strcmp(argv[i], "--first")) first = static_cast<size_t>(std::atoi(argv[++i]));
        else if (value && !std::strcmp(argv[i], "--count")) count = static_cast<size_t>(std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "usage: bench_advice [--segment-s S] [--first N] [--count N] [--serving-only | --training-only] "
                                 "[--serving-segment-s S] [--serving-rounds N]\n");
            return 2;
        }
    }
    if (!training) return run_serving_bench(serving_segment, first, count, serving_rounds);
    std::vector<Scenario> grid;
    for (const char* storage : {"page-cache", "emulated-nvme", "emulated-sata-ssd", "emulated-nfs"})
        for (int workers : {0, 1, 2})
            for (int prefetch : {0, 2}) {
                if (workers == 0 && prefetch == 2) continue;
                grid.push_back({storage, workers, prefetch, 128, "mlp:256,128", false});
            }
    for (const char* storage : {"page-cache", "emulated-nvme"})
        for (int batch : {16, 512}) grid.push_back({storage, 2, 2, batch, "mlp:256,128", false});
    for (const char* storage : {"page-cache", "emulated-nvme"})
        for (const char* model : {"logreg", "cnn:8,16:fc=32"}) grid.push_back({storage, 1, 2, 64, model, true});
    grid.push_back({"emulated-hdd", 1, 2, 32, "mlp:256,128", false});
    grid.push_back({"emulated-hdd", 2, 4, 32, "mlp:256,128", false});

    std::printf("| # | scenario | verdict | samples/s before | advice | predicted samples/s | measured samples/s | error | data wait before → after | hit |\n"
                "|---|---|---|---:|---|---:|---:|---:|---|---|\n");
    int hits = 0, judged = 0;
    std::vector<double> errors;
    for (size_t i = first; i < grid.size() && i < first + count; ++i) {
        const Scenario& sc = grid[i];
        engine::TrainConfig cfg;
        cfg.storage = *engine::data::parse_storage_kind(sc.storage);
        cfg.workers = sc.workers;
        cfg.prefetch_depth = sc.prefetch;
        cfg.batch_size = sc.batch;
        cfg.model = sc.model;
        cfg.random_crop = sc.augment;
        cfg.flip = sc.augment;
        cfg.epochs = 1000;
        cfg.train_limit = 20000;
        cfg.test_limit = 200;
        char name[160];
        std::snprintf(name, sizeof name, "%s, workers %d, prefetch %d, batch %d, %s%s", sc.storage, sc.workers, sc.prefetch, sc.batch,
                      sc.model, sc.augment ? ", crop+flip" : "");
        auto sink = std::make_shared<Collect>();
        engine::TrainingRun run(cfg);
        run.set_sink(sink);
        run.start();
        while (sink->next_iteration() < 5 && !engine::run_ended(run.snapshot()->state)) sleep_s(0.05);
        sleep_s(1.0);  // warm-up
        std::vector<engine::IterationRecord> before_rs;
        const profiler::WindowSummary before = measure(run, *sink, sink->next_iteration(), segment, &before_rs);
        engine::VerdictSetting setting = engine::VerdictSetting::of(cfg);
        setting.compute_profile = run.snapshot()->compute_profile;  // the forward passes timed before the run
        const profiler::Verdict v = profiler::judge(before, engine::verdict_context(setting, before_rs));
        std::string advice = "none", hit = "miss", pred = "-", meas = "-", err = "-", wait = "-";
        if (!v.advice.empty()) {
            const profiler::Advice& a = v.advice.front();
            advice = profiler::describe(a.marker());
            const std::string e = set(run, a.knob_name(), static_cast<int>(a.to));
            const int64_t at = e.empty() ? applied(run, 1) : -1;
            if (at >= 0) {
                const profiler::WindowSummary after = measure(run, *sink, at, segment);
                const bool ok = better(before, after, 0.10) || after.data_wait_share() <= before.data_wait_share() * (2.0 / 3.0);
                hit = ok ? "hit" : "miss";
                hits += ok;
                char b[64];
                std::snprintf(b, sizeof b, "%.0f", after.samples_per_s());
                meas = b;
                std::snprintf(b, sizeof b, "%.0f%% → %.0f%%", 100 * before.data_wait_share(), 100 * after.data_wait_share());
                wait = b;
                if (a.expected.valid()) {
                    const profiler::PredictionCheck c = profiler::check_prediction(a.expected, after);
                    std::snprintf(b, sizeof b, "%.0f", a.expected.samples_per_s);
                    pred = b;
                    std::snprintf(b, sizeof b, "%.0f%%", 100 * c.error);
                    err = b;
                    errors.push_back(c.error);
                }
            } else {
                advice += " (refused: " + e + ")";
            }
        } else {
            // No advice: a miss only when one single change of the grid gains 20% or more.
            bool gained = false;
            std::string tried;
            size_t changes = 0;
            for (const auto& [knob, value] : {std::pair<std::string, int>{"workers", std::max(4, sc.workers)},
                                              {"prefetch_depth", std::max(4, sc.prefetch)}, {"batch_size", sc.batch * 4}}) {
                const auto s = run.snapshot();
                const int now = knob == "workers" ? s->workers : knob == "prefetch_depth" ? s->prefetch_depth : s->batch_size;
                if (value == now) continue;
                if (!set(run, knob, value).empty()) continue;
                const int64_t at = applied(run, ++changes);
                if (at < 0) break;
                const profiler::WindowSummary alt = measure(run, *sink, at, segment);
                char b[96];
                std::snprintf(b, sizeof b, "%s%s %d: %+.0f%%", tried.empty() ? "" : "; ", knob.c_str(), value,
                              100 * (alt.samples_per_s() / before.samples_per_s() - 1));
                tried += b;
                gained |= better(before, alt, 0.20);
                set(run, knob, now);  // back to the scenario's setting
                if (applied(run, ++changes) < 0) break;
            }
            hit = gained ? "miss" : "hit";
            hits += !gained;
            advice = "none (" + (v.note.empty() ? std::string("no knob") : v.note.substr(0, 40)) + "…; tried " + tried + ")";
        }
        ++judged;
        run.stop();
        run.wait();
        std::printf("| %zu | %s | %s | %.0f | %s | %s | %s | %s | %s | %s |\n", i + 1, name,
                    std::string(profiler::bottleneck_name(v.bottleneck)).c_str(), before.samples_per_s(), advice.c_str(), pred.c_str(), meas.c_str(), err.c_str(), wait.c_str(), hit.c_str());
        std::fflush(stdout);
    }
    std::sort(errors.begin(), errors.end());
    const double median = errors.empty() ? 0 : errors[errors.size() / 2];
    std::printf("\nscenarios %d, hits %d (%.0f%%; target 90%%), predictions %zu, median error of predicted samples/s %.0f%% (target 25%%)\n",
                judged, hits, judged ? 100.0 * hits / judged : 0.0, errors.size(), 100 * median);
    if (serving) {
        std::printf("\n");
        return run_serving_bench(serving_segment, 0, 1000, serving_rounds);
    }
    return 0;
}
