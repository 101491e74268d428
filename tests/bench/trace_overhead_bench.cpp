// What tracing costs a real training run: the same training (Fashion-MNIST, the default MLP)
// with TrainConfig::trace off and on, alternating for a few rounds in one process, reporting
// steady samples/s (median per setting) and the throughput cost. Target: <= 2% on the CPU.
// "On" includes the whole raw-event path: tracer rings drained every iteration into the run's
// event store (and the snapshot's window); with --save-events 1 also into a session file
// through the recorder (a temporary database, removed at the end).
//
//   bench_trace_overhead [--rounds N] [--batch B] [--workers W] [--prefetch P] [--limit SAMPLES]
//                        [--save-events 0|1]
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "batchscope/engine/session_sink.h"
#include "batchscope/engine/training_run.h"

namespace {

using batchscope::engine::RunState;
using batchscope::engine::TrainConfig;
using batchscope::engine::TrainingRun;

struct Result {
    double samples_per_s = 0;
    double steady_samples_per_s = 0;
    double cpu_us_per_sample = 0;  // all threads of the process, loading the data included
    uint64_t dropped = 0;
    uint64_t events = 0;        // raw events the run kept
    uint64_t events_saved = 0;  // written to the session file
    uint64_t events_lost = 0;   // dropped by the recorder's full queue
};

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

Result train_once(TrainConfig cfg, const std::string& db) {
    const double cpu0 = cpu_seconds();
    std::shared_ptr<const batchscope::engine::RunSnapshot> s;
    std::shared_ptr<batchscope::engine::SessionSink> sink;
    {
        TrainingRun run(cfg);
        if (!db.empty() && cfg.trace) {
            sink = std::make_shared<batchscope::engine::SessionSink>(db, cfg, "bench_trace_overhead");
            sink->set_save_events(true);
            run.set_sink(sink);
        }
        run.start();
        run.wait();
        s = run.snapshot();
    }
    const double cpu = cpu_seconds() - cpu0;
    if (s->state != RunState::Finished || s->epochs_done.empty()) {
        std::fprintf(stderr, "run failed: %s\n", s->message.c_str());
        std::exit(1);
    }
    const auto& e = s->epochs_done.back();
    Result r{e.samples_per_s, e.steady_samples_per_s, cpu * 1e6 / static_cast<double>(e.samples), s->dropped_events,
             s->events.end_sequence(), 0, 0};
    if (sink) {
        r.events_saved = sink->events_saved();
        r.events_lost = sink->events_dropped();
    }
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 8;
    bool save_events = false;
    TrainConfig cfg;
    cfg.train_limit = 30000;
    cfg.test_limit = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const int v = std::atoi(argv[i + 1]);
        if (a == "--rounds") rounds = std::max(1, v);
        else if (a == "--batch") cfg.batch_size = v;
        else if (a == "--workers") cfg.workers = v;
        else if (a == "--prefetch") cfg.prefetch_depth = v;
        else if (a == "--limit") cfg.train_limit = v;
        else if (a == "--save-events") save_events = v != 0;
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    std::printf("training %lld samples, batch %d, prefetch %d, workers %d, %d rounds of off/on\n",
                static_cast<long long>(cfg.train_limit), cfg.batch_size, cfg.prefetch_depth, cfg.workers, rounds);
    std::string db;
    char dir[] = "/tmp/bench_trace_overhead.XXXXXX";
    if (save_events) {
        if (!mkdtemp(dir)) {
            std::perror("mkdtemp");
            return 1;
        }
        db = std::string(dir) + "/sessions.db";
        std::printf("trace on also saves the raw events into %s\n", db.c_str());
    }
    std::vector<double> off, on, cpu_off, cpu_on;
    uint64_t dropped = 0, events = 0, saved = 0, lost = 0;
    train_once(cfg, {});  // warm-up: page cache, allocator
    for (int r = 0; r < rounds; ++r) {
        // Alternate which goes first, so a drift in machine load hits both alike.
        for (int k = 0; k < 2; ++k) {
            const bool trace = (r + k) % 2 == 1;
            cfg.trace = trace;
            const Result res = train_once(cfg, db);
            (trace ? on : off).push_back(res.steady_samples_per_s);
            (trace ? cpu_on : cpu_off).push_back(res.cpu_us_per_sample);
            if (trace) {
                dropped += res.dropped;
                events += res.events;
                saved += res.events_saved;
                lost += res.events_lost;
            }
            std::printf("  round %d trace %-3s %9.0f samples/s steady (%9.0f overall), %.3f CPU us/sample\n", r + 1,
                        trace ? "on" : "off", res.steady_samples_per_s, res.samples_per_s, res.cpu_us_per_sample);
        }
    }
    // Each round's on/off ratio cancels slow drifts in machine load; the median of those is
    // the figure, the spread says how much to trust it.
    std::vector<double> cost;
    for (size_t i = 0; i < on.size(); ++i) cost.push_back(100.0 * (off[i] - on[i]) / off[i]);
    const auto [lo, hi] = std::minmax_element(cost.begin(), cost.end());
    std::printf("median steady samples/s: trace off %.0f, trace on %.0f\n", median(off), median(on));
    std::printf("tracing cost: %.2f%% (median of per-round costs; from %.2f%% to %.2f%%), dropped events %llu\n",
                median(cost), *lo, *hi, static_cast<unsigned long long>(dropped));
    // On a busy machine the best round of each setting is the least disturbed one.
    const double best_off = *std::max_element(off.begin(), off.end()), best_on = *std::max_element(on.begin(), on.end());
    std::printf("best rounds: trace off %.0f, trace on %.0f samples/s: cost %.2f%%\n", best_off, best_on,
                100.0 * (best_off - best_on) / best_off);
    const double c_off = median(cpu_off), c_on = median(cpu_on);
    std::printf("CPU time per sample (all threads, data loading included): off %.3f us, on %.3f us: cost %.2f%%\n", c_off,
                c_on, 100.0 * (c_on - c_off) / c_off);
    std::printf("raw events per traced run: %.0f (kept in the run's event store)", static_cast<double>(events) / rounds);
    if (save_events)
        std::printf("; saved to the session file %.0f, dropped by the recorder %llu", static_cast<double>(saved) / rounds,
                    static_cast<unsigned long long>(lost));
    std::printf("\n");
    if (save_events) {
        std::remove(db.c_str());
        std::remove((db + "-wal").c_str());
        std::remove((db + "-shm").c_str());
        rmdir(dir);
    }
    return 0;
}
