// `batchscope-cli infer`: serves a checkpoint under open-loop, closed-loop or offline load, or
// runs an MLPerf-style scenario, and prints latency percentiles that say how far to trust them.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/dataset_error.h"
#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/request_window_sink.h"
#include "batchscope/engine/infer/scenarios.h"
#include "batchscope/engine/infer/serving_model.h"
#include "batchscope/engine/infer/serving_verdict.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/store/session_store.h"
#include "batchscope/store/store_error.h"
#include "cli_commands.h"
#include "cli_infer_common.h"
#include "cli_serving_verdict.h"

namespace batchscope::cli {
namespace {

using namespace engine::infer;

std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted.store(true); }

struct InferOptions {
    InferConfig cfg;
    ServedModelOptions model;
    std::string mode = "poisson", scenario = "stream";
    double p99_bound_us = 10'000;
    bool json = false, quiet = false, no_save = false, save_events = false;
    std::string db = store::SessionStore::default_path(), name;
    bool requests_given = false;
    bool apply_advice = false;  // judge half-way, apply the first advice live, check it at the end
};

int run_server_scenario(const InferOptions& o, std::shared_ptr<BatchService> service) {
    ServerSearchOptions so;
    so.p99_bound_ns = std::llround(o.p99_bound_us * 1e3);
    so.start_rate = o.cfg.rate;
    // A probe of N requests at rate r lasts N / r seconds: the search does not go below the rate
    // whose probe would last more than kMaxProbeS (on a loaded machine it would otherwise halve
    // its way down to probes of minutes).
    constexpr double kMaxProbeS = 20;
    so.min_rate = std::max(1.0, static_cast<double>(o.cfg.requests) / kMaxProbeS);
    so.start_rate = std::max(so.start_rate, so.min_rate);
    nlohmann::json probes = nlohmann::json::array();
    const std::string tag = run_tag("server");
    auto ids = std::make_shared<std::vector<int64_t>>();
    if (!o.json)
        std::printf("server scenario: the highest Poisson rate with p99 <= %.0f us (%lld requests per probe; "
                    "no probe below %.1f requests/s, which would last over %.0f s)\n",
                    o.p99_bound_us, static_cast<long long>(o.cfg.requests), so.min_rate, kMaxProbeS);
    auto on_probe = [&](const ProbeResult& p, const InferResult& r) {
        const bool pass = probe_passes(p, so);
        if (!o.json) {
            std::printf("  probe %9.1f req/s: p99 %10.1f us%s, achieved %9.1f req/s -> %s\n", p.rate,
                        us(static_cast<double>(p.p99_ns)), p.enough_samples ? "" : " (too few samples)",
                        p.achieved_rps, pass ? "pass" : "fail");
            std::fflush(stdout);
        }
        probes.push_back({{"rate", p.rate}, {"pass", pass}, {"result", result_json(r)}});
        if (!ids->empty()) probes.back()["session"] = ids->back();
    };
    StreamSinkFactory save;
    if (!o.no_save) save = stream_sessions(o.db, service, "server probe", tag, ids);
    const ServerSearchResult res = find_max_rate(make_stream_probe(o.cfg, service, on_probe, save), so);
    if (!o.no_save && !ids->empty() && !o.json)
        std::printf("probes saved as sessions %lld-%lld in %s, tagged %s\n", static_cast<long long>(ids->front()),
                    static_cast<long long>(ids->back()), o.db.c_str(), tag.c_str());
    if (o.json) {
        nlohmann::json j = {{"scenario", "server"},     {"p99_bound_us", o.p99_bound_us}, {"found", res.found},
                            {"rate", res.rate},         {"failed_rate", res.failed_rate}, {"note", res.note},
                            {"model", service->model()}, {"probes", probes},
                            {"tag", o.no_save ? nlohmann::json(nullptr) : nlohmann::json(tag)}};
        std::cout << j.dump(2) << "\n";
    } else if (res.found) {
        std::printf("server: %.1f requests/s keeps p99 under %.0f us", res.rate, o.p99_bound_us);
        if (res.failed_rate > 0) std::printf(" (%.1f requests/s did not)", res.failed_rate);
        std::printf("%s%s\n", res.note.empty() ? "" : "; ", res.note.c_str());
    } else {
        std::printf("server: no rate kept p99 under %.0f us (%s)\n", o.p99_bound_us, res.note.c_str());
    }
    return kExitOk;
}

int run_stream(const InferOptions& o, Scenario scenario, std::shared_ptr<BatchService> service) {
    const InferConfig cfg = apply_scenario(scenario, o.cfg);
    std::shared_ptr<InferSessionSink> sink;
    if (!o.no_save) {
        try {
            sink = std::make_shared<InferSessionSink>(o.db, cfg, *service, o.name, to_string(scenario));
            sink->set_save_events(o.save_events);
        } catch (const store::StoreError& e) {
            std::cerr << "batchscope-cli infer: cannot save the session: " << e.what()
                      << "\n(use --db FILE for another database, or --no-save)\n";
            return kExitRunFailed;
        }
    }
    const std::string backend_at_start = service->backend();  // may change: a CUDA graph that fails to capture
    if (!o.json) {
        std::printf("Batchscope inference: %s on %s\nbackend: %s\n", service->model().c_str(),
                    service->dataset().c_str(), service->backend().c_str());
        std::printf("load: %s", to_string(cfg.mode));
        if (is_open_loop(cfg.mode)) std::printf(" %.1f requests/s", cfg.rate);
        if (cfg.mode == LoadMode::Bursts) std::printf(" in bursts of %d", cfg.burst);
        if (cfg.mode == LoadMode::Closed) std::printf(", %d outstanding", cfg.concurrency);
        std::printf(", %lld requests; batcher: max batch %d, queue delay %lld us\n", static_cast<long long>(cfg.requests),
                    cfg.max_batch, static_cast<long long>(cfg.queue_delay_us));
        std::fflush(stdout);
    }
    // The serving verdict: service times of each batch size measured first (CPU services; a GPU
    // service is fitted from the stream's own batches), the requests kept for the windows.
    std::vector<BatchPoint> profile;
    if (!service->gpu()) profile = profile_service(*service, 64);
    if (sink) sink->set_service_profile(profile);
    auto window = std::make_shared<RequestWindowSink>(sink, 500'000);  // the last 500,000 requests (40 MB)
    ServingSetting setting{cfg.mode, cfg.rate, cfg.concurrency, cfg.max_batch, cfg.queue_delay_us};
    ServingJudgeOptions judge_opts;
    judge_opts.profile = profile;
    const int64_t warm = cfg.requests / 10;  // the first tenth is left out of every window (warm-up)
    std::optional<ServingVerdict> before;     // --apply-advice: the verdict half-way
    std::optional<ServingAdvice> applied;
    size_t changes_before = 0;
    int64_t change_at = -1, change_ns = 0;
    InferenceRun run(cfg, service);
    run.set_sink(window);
    g_interrupted.store(false);
    // Ctrl-C (SIGINT) and SIGTERM stop the stream; the results so far are kept and printed.
    struct sigaction stop_action {};
    stop_action.sa_handler = on_interrupt;
    sigemptyset(&stop_action.sa_mask);
    sigaction(SIGINT, &stop_action, nullptr);
    sigaction(SIGTERM, &stop_action, nullptr);
    run.start();
    const bool progress = !o.json && !o.quiet && isatty(STDERR_FILENO);
    bool timing_shown = o.json;
    // How the phases are timed is known once the stream runs (a GPU service: CUPTI, or CUDA
    // events with the reason CUPTI could not be used).
    auto show_timing = [&](const InferSnapshot& s) {
        if (timing_shown || s.totals.timing.empty()) return;
        timing_shown = true;
        if (progress) std::fprintf(stderr, "\r%70s\r", "");
        std::printf("timing: %s\n", s.totals.timing.c_str());
        std::fflush(stdout);
    };
    for (;;) {
        const auto s = run.snapshot();
        show_timing(*s);
        if (engine::run_ended(s->state))
            break;
        if (g_interrupted.load()) run.stop();
        // Half-way through issuing (or serving, when the server keeps up), once some requests after
        // the warm-up were answered.
        if (o.apply_advice && !before &&
            ((s->totals.issued >= cfg.requests / 2 && s->totals.completed >= warm + 100) || s->totals.completed >= cfg.requests / 2)) {
            before = judge_serving(window->between(warm), setting, judge_opts);
            if (!before->advice.empty()) {
                applied = before->advice.front();
                changes_before = s->knob_changes.size();
                if (const std::string err = run.set_knob(applied->knob, applied->to); !err.empty()) {
                    before->note = "the advice was refused: " + err;
                    applied.reset();
                }
            }
        }
        if (applied && change_at < 0 && s->knob_changes.size() > changes_before) {
            change_at = s->knob_changes.back().iteration;
            change_ns = s->knob_changes.back().time_ns;
        }
        if (progress && s->state == engine::RunState::Running)
            std::fprintf(stderr, "\r  %lld/%lld requests  queue %lld  p99 %.1f us   ",
                         static_cast<long long>(s->totals.completed), static_cast<long long>(cfg.requests),
                         static_cast<long long>(s->queue_depth), us(static_cast<double>(s->totals.latency.value_ns(99))));
        std::this_thread::sleep_for(std::chrono::milliseconds(progress ? 200 : 20));
    }
    run.wait();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (progress) std::fprintf(stderr, "\r%70s\r", "");
    const auto s = run.snapshot();
    if (s->state == engine::RunState::Failed) {
        std::cerr << "batchscope-cli infer: " << s->message << "\n";
        return kExitRunFailed;
    }
    const InferResult& r = *run.result();
    show_timing(*s);
    // The verdict of the run (without --apply-advice) or of the part after the applied advice,
    // the first fifth of that part left out while the queue settles.
    if (applied && change_at >= 0) setting.apply(applied->knob, applied->to);
    // After a change: the requests whose batch started after it (those queued before it count too:
    // the batcher's new policy served them), the first fifth left out while the queue settles.
    std::vector<RequestRecord> judged = window->between(warm);
    if (change_at >= 0) judged = settled_after_change(std::move(judged), change_ns);
    const ServingVerdict verdict = judge_serving(judged, setting, judge_opts);
    std::optional<ServingCheck> check;
    if (applied && change_at >= 0 && !verdict.window.empty()) check = check_serving_prediction(applied->expected, verdict.window);
    if (o.json) {
        nlohmann::json j = {{"scenario", to_string(scenario)},
                            {"state", engine::to_string(s->state)},
                            {"message", s->message},
                            {"model", service->model()},
                            {"dataset", service->dataset()},
                            {"backend", service->backend()},
                            {"compute_backend", cfg.backend},
                            {"timing", r.timing.empty() ? service->timing() : r.timing},
                            {"config", nlohmann::json::parse(infer_config_json(cfg, *service, to_string(scenario)))},
                            {"result", result_json(r)}};
        if (scenario == Scenario::SingleStream) j["p90_us"] = us(static_cast<double>(r.latency.value_ns(90)));
        if (before) j["verdict_before"] = serving_verdict_json(*before);
        if (applied) j["applied"] = {{"knob", std::string(knobs::info(applied->knob).name)}, {"to", applied->to},
                                     {"expected", serving_expectation_json(applied->expected)},
                                     {"first_request", change_at}};
        j["verdict"] = serving_verdict_json(verdict);
        if (check) j["advice_check"] = {{"text", check->text}, {"p99_error", check->p99_error}, {"throughput_error", check->throughput_error}};
        if (sink) j["session"] = {{"id", sink->session_id()}, {"db", sink->db_path()}};
        if (sink && o.save_events) {
            j["session"]["events_saved"] = sink->events_saved();
            j["session"]["events_dropped"] = sink->events_dropped();
        }
        std::cout << j.dump(2) << "\n";
    } else {
        print_result(r);
        if (s->message != "finished") std::printf("run %s\n", s->message.c_str());  // stopped; CUPTI's losses
        if (const std::string now = service->backend(); now != backend_at_start)
            std::printf("backend changed during the run: %s\n", now.c_str());
        if (scenario == Scenario::SingleStream)
            std::printf("single stream: p90 latency %.1f us\n", us(static_cast<double>(r.latency.value_ns(90))));
        if (scenario == Scenario::Offline)
            std::printf("offline: %.1f samples/s at max batch %d\n", r.throughput_rps, cfg.max_batch);
        if (before) {
            std::printf("half-way, ");
            print_serving_verdict(*before);
            if (applied && change_at >= 0)
                std::printf("applied %s (from request %lld on, and to those still queued)\nafter it, ", applied->change().c_str(),
                            static_cast<long long>(change_at));
            else if (applied)
                std::printf("the advice %s was not applied before the run ended\n", applied->change().c_str());
        }
        print_serving_verdict(verdict);
        if (check) std::printf("advice check: %s\n", check->text.c_str());
        if (sink)
            std::printf("saved as session %lld in %s%s\n", static_cast<long long>(sink->session_id()),
                        sink->db_path().c_str(), sink->dropped() ? " (some request rows dropped)" : "");
        if (sink && o.save_events) {
            std::printf("trace events saved: %llu", static_cast<unsigned long long>(sink->events_saved()));
            if (sink->events_dropped())
                std::printf(", %llu dropped (the writer could not keep up)",
                            static_cast<unsigned long long>(sink->events_dropped()));
            std::printf(" (a Chrome trace: sessions export %lld --format chrome -o FILE)\n",
                        static_cast<long long>(sink->session_id()));
        }
    }
    return kExitOk;
}

}  // namespace

Runner add_infer_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("infer", "Serve a trained model under a request stream and measure latency");
    auto o = std::make_shared<InferOptions>();
    add_served_model_options(*cmd, o->model, o->cfg);
    cmd->add_option("--mode", o->mode, "Load: poisson, constant, bursts (open loop), closed (N outstanding), offline")
        ->capture_default_str();
    cmd->add_option("--rate", o->cfg.rate, "Open loop: requests per second (server scenario: the first rate tried)")
        ->capture_default_str();
    cmd->add_option("--burst", o->cfg.burst, "Mode bursts: requests per burst")->capture_default_str();
    auto flag = [](knobs::Knob k) { return std::string(knobs::info(k).cli_flag); };
    auto help = [](knobs::Knob k) { return std::string(knobs::info(k).help); };
    cmd->add_option(flag(knobs::Knob::Concurrency), o->cfg.concurrency, help(knobs::Knob::Concurrency))->capture_default_str();
    auto* req = cmd->add_option("--requests", o->cfg.requests, "Requests to issue, 0 = until Ctrl-C (server scenario: per probe, default 2000)")
                    ->capture_default_str();
    cmd->add_option(flag(knobs::Knob::MaxBatch), o->cfg.max_batch,
                    help(knobs::Knob::MaxBatch) + " (" + std::to_string(knobs::min_int(knobs::Knob::MaxBatch)) + "-" +
                        std::to_string(knobs::max_int(knobs::Knob::MaxBatch)) + ")")
        ->capture_default_str();
    cmd->add_option(flag(knobs::Knob::QueueDelayUs), o->cfg.queue_delay_us, help(knobs::Knob::QueueDelayUs) + " (us)")
        ->capture_default_str();
    cmd->add_option("--seed", o->cfg.seed, "Seed of arrival times and sample order")
        ->check(kSeedCheck)
        ->capture_default_str();
    cmd->add_option("--spin-us", o->cfg.spin_us,
                    "The generator spins the last N us before each arrival (precision against CPU)")
        ->capture_default_str();
    cmd->add_option("--scenario", o->scenario,
                    "stream (the load as given), single-stream (report p90), server (find the highest rate with p99 "
                    "under --p99-bound-us), offline (throughput)")
        ->capture_default_str();
    cmd->add_option("--p99-bound-us", o->p99_bound_us, "Server scenario: the p99 latency bound (us)")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object instead of text");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress line");
    cmd->add_option("--db", o->db, "Session database the run is saved in")->capture_default_str();
    cmd->add_flag("--no-save", o->no_save, "Do not save the run (or the server scenario's probes) as sessions");
    cmd->add_flag("--save-events", o->save_events,
                  "Also keep the per-request trace events (queue wait, h2d, compute, d2h) in the session "
                  "(for `sessions export ID --format chrome`)");
    cmd->add_option("--name", o->name, "Session name (default: describes the load)");
    cmd->add_flag("--apply-advice", o->apply_advice,
                  "Half-way through the requests, judge the stream and apply the verdict's first advice live; at the end, "
                  "print what it predicted against what was measured");
    cmd->footer("Latency is measured from each request's scheduled arrival, so queueing behind a stalled server is\n"
                "counted (no coordinated omission). A percentile is flagged when fewer than 10 samples lie beyond\n"
                "it (p99 needs 1,000 requests, p99.9 10,000).");

    return [o, req]() -> int {
        auto usage = [](const std::string& msg) {
            std::cerr << "batchscope-cli infer: " << msg << "\n";
            return kExitUsage;
        };
        const auto mode = parse_load_mode(o->mode);
        if (!mode) return usage("--mode " + o->mode + " is not one of poisson, constant, bursts, closed, offline");
        o->cfg.mode = *mode;
        const auto scenario = parse_scenario(o->scenario);
        if (!scenario) return usage("--scenario " + o->scenario + " is not one of stream, single-stream, server, offline");
        if (*scenario == Scenario::Server && req->count() == 0) o->cfg.requests = 2000;
        if (*scenario == Scenario::Server && o->cfg.requests == 0) return usage("the server scenario needs --requests > 0");
        if (!(o->p99_bound_us > 0 && o->p99_bound_us <= 1e8)) return usage("--p99-bound-us must be 0 to 100000000");
        if (auto err = check_served_model(o->model); !err.empty()) return usage(err);
        o->cfg.checkpoint = o->model.checkpoint;
        if (auto err = validate(apply_scenario(*scenario, o->cfg)); !err.empty()) return usage(err);
        if (o->save_events && o->no_save)
            return usage("--save-events keeps the trace events in the saved session; it cannot go with --no-save");
        if (o->apply_advice && (*scenario == Scenario::Server || o->cfg.requests == 0 || *mode == LoadMode::Offline))
            return usage("--apply-advice needs one stream of a given number of requests (not the server scenario, "
                         "--requests 0 or offline)");
        if (o->save_events && *scenario == Scenario::Server)
            return usage("--save-events saves one stream's events; the server scenario runs many (use --scenario stream)");
        if (auto err = check_backend(o->model, o->cfg); !err.empty()) return usage(err);
        std::shared_ptr<BatchService> service;
        try {
            service = make_service(o->model, o->cfg);
        } catch (const std::exception& e) {
            std::cerr << "batchscope-cli infer: " << e.what() << "\n";
            return service_error_exit(e);
        }
        try {
            if (*scenario == Scenario::Server) return run_server_scenario(*o, service);
            return run_stream(*o, *scenario, service);
        } catch (const std::exception& e) {
            std::cerr << "batchscope-cli infer: " << e.what() << "\n";
            return kExitRunFailed;
        }
    };
}

}  // namespace batchscope::cli
