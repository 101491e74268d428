// Soak: does resident memory level off? A long training run with tracing on (its raw events also
// saved to a session file with --db), or a long serving stream, with a live knob change every
// --knob-every-s seconds; resident memory (VmRSS) is sampled every --sample-s seconds and
// printed. At the end the growth over the second half of the run is set against the first half
// (where the bounded stores fill), and the verdict says whether memory levelled off.
//
//   bench_soak [--mode train|infer] [--minutes M] [--sample-s S] [--knob-every-s K] [--db FILE]
//              [--train-limit N]
//
// The figures in docs/FAULTS.md were measured with --minutes 60 where they say so, else with the
// short run they name.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/session_sink.h"
#include "batchscope/engine/training_run.h"

namespace {

using namespace batchscope::engine;
using Clock = std::chrono::steady_clock;

double rss_mib() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    return -1;
}

struct Options {
    std::string mode = "train", db;
    double minutes = 3, sample_s = 10, knob_every_s = 60;
    int64_t train_limit = 0;  // all 60,000: 1,000 epochs last well over an hour
};

struct Sample {
    double t_s, rss;
    bool stores_full;  // the run's bounded event store has started evicting
};

// Growth of the second half against the first, counted from the first sample where the bounded
// stores are full (they are meant to grow until then): memory that keeps growing grows in both.
int verdict(std::vector<Sample> s) {
    size_t full = 0;
    while (full < s.size() && !s[full].stores_full) ++full;
    if (full == s.size()) {
        std::printf("verdict: none: the bounded event store did not fill in this run (run longer)\n");
        return 1;
    }
    if (full > 0) std::printf("the event store was full from %.0f s on: growth counted from there\n", s[full].t_s);
    s.erase(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(full));
    if (s.size() < 4) {
        std::printf("verdict: none: too few samples once the stores were full (run longer or sample more often)\n");
        return 1;
    }
    const Sample& first = s.front();
    const Sample& mid = s[s.size() / 2];
    const Sample& last = s.back();
    const double grow1 = mid.rss - first.rss, grow2 = last.rss - mid.rss;
    const double per_hour2 = grow2 / std::max(1e-9, last.t_s - mid.t_s) * 3600;
    const bool level = grow2 <= std::max(2.0, 0.01 * last.rss);
    std::printf("RSS %.1f MiB at %.0f s, %.1f MiB at %.0f s, %.1f MiB at %.0f s\n", first.rss, first.t_s, mid.rss,
                mid.t_s, last.rss, last.t_s);
    std::printf("growth: first half %+.1f MiB, second half %+.1f MiB (%+.1f MiB/hour at that rate)\n", grow1, grow2,
                per_hour2);
    std::printf("verdict: %s\n", level ? "levelled off (second-half growth within max(2 MiB, 1%))"
                                       : "STILL GROWING in the second half");
    return level ? 0 : 1;
}

template <class Run, class Knob, class Progress, class Full>
std::vector<Sample> soak(Run& run, const Options& o, Knob&& knob, Progress&& progress, Full&& stores_full) {
    std::vector<Sample> samples;
    const auto t0 = Clock::now();
    double next_sample = 0, next_knob = o.knob_every_s;
    int knob_changes = 0;
    for (;;) {
        const double t = std::chrono::duration<double>(Clock::now() - t0).count();
        if (t >= o.minutes * 60) break;
        if (t >= next_knob) {
            knob(++knob_changes);
            next_knob += o.knob_every_s;
        }
        if (t >= next_sample) {
            samples.push_back({t, rss_mib(), stores_full()});
            std::printf("%8.0f s  RSS %8.1f MiB  %s  knob changes %d%s\n", t, samples.back().rss, progress().c_str(),
                        knob_changes, samples.back().stores_full ? "  (event store full)" : "");
            std::fflush(stdout);
            next_sample += o.sample_s;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (run_ended(run.snapshot()->state)) {
            std::printf("the run ended early: %s\n", run.snapshot()->message.c_str());
            break;
        }
    }
    return samples;
}

int soak_train(const Options& o) {
    TrainConfig cfg;
    cfg.model = "mlp:256,128";
    cfg.epochs = 1000;  // the most allowed
    cfg.train_limit = o.train_limit;  // each epoch's loader starts new worker threads
    cfg.test_limit = 500;
    cfg.trace = true;
    TrainingRun run(cfg);
    std::shared_ptr<SessionSink> sink;
    if (!o.db.empty()) {
        sink = std::make_shared<SessionSink>(o.db, cfg, "bench_soak");
        sink->set_save_events(true);
        run.set_sink(sink);
    }
    run.start();
    const auto samples = soak(
        run, o,
        [&](int k) {
            run.set_batch_size(k % 2 ? 128 : 64);
            run.set_prefetch_depth(k % 2 ? 4 : 2);
        },
        [&] {
            const auto s = run.snapshot();
            return "epoch " + std::to_string(s->epoch) + ", " + std::to_string(s->iterations_done) + " iterations";
        },
        [&] { return run.snapshot()->events_evicted > 0; });
    run.stop();
    run.wait();
    return verdict(samples);
}

int soak_infer(const Options& o) {
    // A checkpoint to serve: one short epoch of logistic regression.
    char dir[] = "/tmp/bench-soak-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    const std::string ckpt = std::string(dir) + "/model.bsck";
    {
        TrainConfig cfg;
        cfg.model = "logreg";
        cfg.epochs = 1;
        cfg.train_limit = 2000;
        cfg.test_limit = 100;
        cfg.checkpoint_path = ckpt;
        TrainingRun t(cfg);
        t.start();
        t.wait();
        if (t.snapshot()->state != RunState::Finished) {
            std::printf("could not train the model to serve: %s\n", t.snapshot()->message.c_str());
            return 1;
        }
    }
    infer::InferConfig cfg;
    cfg.checkpoint = ckpt;
    cfg.requests = 0;  // until stopped
    cfg.rate = 2000;
    cfg.max_batch = 8;
    cfg.queue_delay_us = 200;
    infer::InferenceRun run(cfg);
    run.start();
    const auto samples = soak(
        run, o, [&](int k) { run.set_rate(k % 2 ? 3000 : 2000); },
        [&] { return std::to_string(run.snapshot()->totals.completed) + " requests"; },
        // The stream keeps up to 4,000,000 latency samples for exact percentiles (StreamStats::
        // kExactLimit, engine/src/infer/stream_stats.h): full once that many requests are done.
        [&] { return run.snapshot()->totals.completed >= 4'000'000; });
    run.stop();
    run.wait();
    std::remove(ckpt.c_str());
    rmdir(dir);
    return verdict(samples);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--mode") o.mode = v;
        else if (k == "--minutes") o.minutes = std::atof(v);
        else if (k == "--sample-s") o.sample_s = std::atof(v);
        else if (k == "--knob-every-s") o.knob_every_s = std::atof(v);
        else if (k == "--db") o.db = v;
        else if (k == "--train-limit") o.train_limit = std::atoll(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    std::printf("bench_soak: %s for %.1f minutes, RSS every %.0f s, a knob change every %.0f s%s\n", o.mode.c_str(),
                o.minutes, o.sample_s, o.knob_every_s, o.db.empty() ? "" : (", events saved to " + o.db).c_str());
    return o.mode == "infer" ? soak_infer(o) : soak_train(o);
}
