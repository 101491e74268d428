// `batchscope-cli sweep`: the latency-versus-throughput curve of a served model, over offered
// Poisson rates and dynamic-batcher sizes.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "batchscope/engine/infer/scenarios.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/store/session_store.h"
#include "cli_commands.h"
#include "cli_infer_common.h"

namespace batchscope::cli {
namespace {

using namespace engine::infer;

struct SweepCliOptions {
    InferConfig cfg;
    ServedModelOptions model;
    std::string rates = "500,1000,2000,4000,8000";
    std::string max_batches = "1,4,16";
    bool json = false;
    std::string db = store::SessionStore::default_path();
    bool no_save = false;
};

}  // namespace

Runner add_sweep_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "sweep", "Latency versus throughput of a served model over Poisson rates and max batch sizes");
    auto o = std::make_shared<SweepCliOptions>();
    o->cfg.requests = 2000;
    o->cfg.queue_delay_us = 1000;
    add_served_model_options(*cmd, o->model, o->cfg);
    cmd->add_option("--rates", o->rates, "Offered Poisson rates, requests/s, comma-separated")->capture_default_str();
    using knobs::Knob;
    cmd->add_option("--max-batches", o->max_batches,
                    "Max batch sizes (" + std::to_string(knobs::min_int(Knob::MaxBatch)) + "-" +
                        std::to_string(knobs::max_int(Knob::MaxBatch)) + "), comma-separated")
        ->capture_default_str();
    cmd->add_option("--requests", o->cfg.requests, "Requests per point")->capture_default_str();
    cmd->add_option(std::string(knobs::info(Knob::QueueDelayUs).cli_flag), o->cfg.queue_delay_us,
                    std::string(knobs::info(Knob::QueueDelayUs).help) + " (us)")
        ->capture_default_str();
    cmd->add_option("--seed", o->cfg.seed, "Seed of arrival times and sample order")
        ->check(kSeedCheck)
        ->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object instead of a table");
    cmd->add_option("--db", o->db, "Session database the points are saved in")->capture_default_str();
    cmd->add_flag("--no-save", o->no_save, "Do not save the points as sessions");
    cmd->footer("Each point is a separate Poisson stream, saved as its own session; the points of one sweep share a tag "
                "(sweep-YYYYMMDD-HHMMSS) for `sessions list --tag` and `sessions compare`.");

    return [o]() -> int {
        auto usage = [](const std::string& msg) {
            std::cerr << "batchscope-cli sweep: " << msg << "\n";
            return kExitUsage;
        };
        SweepOptions so;
        so.rates = parse_number_list(o->rates);
        if (so.rates.empty()) return usage("--rates needs positive numbers separated by commas, got \"" + o->rates + "\"");
        for (double b : parse_number_list(o->max_batches)) {
            if (b != std::floor(b) || b > 256) return usage(std::string("--max-batches: ") + std::to_string(b) + " is not 1 to 256");
            so.max_batches.push_back(static_cast<int>(b));
        }
        if (so.max_batches.empty()) return usage("--max-batches needs whole numbers 1-256 separated by commas");
        if (o->cfg.requests <= 0) return usage("--requests must be at least 1");
        for (double r : so.rates) {
            InferConfig c = o->cfg;
            c.rate = r;
            if (auto err = validate(c); !err.empty()) return usage(err);
        }
        if (auto err = check_served_model(o->model); !err.empty()) return usage(err);
        if (auto err = check_backend(o->model, o->cfg); !err.empty()) return usage(err);
        o->cfg.checkpoint = o->model.checkpoint;
        std::shared_ptr<BatchService> service;
        try {
            service = make_service(o->model, o->cfg);
        } catch (const std::exception& e) {
            std::cerr << "batchscope-cli sweep: " << e.what() << "\n";
            return service_error_exit(e);
        }
        if (!o->json) {
            std::printf("Batchscope sweep: %s, %lld Poisson requests per point, queue delay %lld us\n",
                        service->model().c_str(), static_cast<long long>(o->cfg.requests),
                        static_cast<long long>(o->cfg.queue_delay_us));
            std::printf("%9s %12s %12s %10s %10s %10s %10s %9s\n", "max batch", "offered/s", "achieved/s", "p50 us",
                        "p99 us", "p99.9 us", "mean batch", "accuracy");
            std::fflush(stdout);
        }
        nlohmann::json points = nlohmann::json::array();
        const std::string tag = run_tag("sweep");
        auto ids = std::make_shared<std::vector<int64_t>>();
        StreamSinkFactory save;
        if (!o->no_save) {
            try {
                save = stream_sessions(o->db, service, "sweep", tag, ids);
            } catch (const std::exception& e) {
                std::cerr << "batchscope-cli sweep: cannot save the points: " << e.what()
                          << "\n(use --db FILE for another database, or --no-save)\n";
                return kExitRunFailed;
            }
        }
        try {
            run_sweep(o->cfg, service, so, [&](const SweepPoint& p) {
                const InferResult& r = p.result;
                if (o->json) {
                    points.push_back({{"max_batch", p.max_batch}, {"offered_rps", p.offered_rps}, {"result", result_json(r)}});
                    if (!ids->empty()) points.back()["session"] = ids->back();
                    return;
                }
                const auto* p99 = r.latency.at(99.0);
                std::printf("%9d %12.1f %12.1f %10.1f %10.1f%s %9.1f%s %10.2f %8s\n", p.max_batch, p.offered_rps,
                            r.throughput_rps, us(static_cast<double>(r.latency.value_ns(50))),
                            us(static_cast<double>(r.latency.value_ns(99))), p99 && !p99->enough ? "*" : " ",
                            us(static_cast<double>(r.latency.value_ns(99.9))), r.latency.at(99.9)->enough ? " " : "*",
                            r.mean_batch,
                            r.accuracy >= 0 ? (std::to_string(r.accuracy * 100).substr(0, 5) + "%").c_str() : "-");
                std::fflush(stdout);
            }, save);
        } catch (const std::exception& e) {
            std::cerr << "batchscope-cli sweep: " << e.what() << "\n";
            return kExitRunFailed;
        }
        if (o->json) {
            std::cout << nlohmann::json({{"model", service->model()},
                                         {"requests_per_point", o->cfg.requests},
                                         {"queue_delay_us", o->cfg.queue_delay_us},
                                         {"points", points},
                                         {"tag", o->no_save ? nlohmann::json(nullptr) : nlohmann::json(tag)}})
                             .dump(2)
                      << "\n";
        } else {
            std::printf("* too few requests to trust that percentile (p99 needs 1,000, p99.9 10,000)\n");
            if (!o->no_save)
                std::printf("saved as sessions %lld-%lld in %s, tagged %s\n", static_cast<long long>(ids->front()),
                            static_cast<long long>(ids->back()), o->db.c_str(), tag.c_str());
        }
        return kExitOk;
    };
}

}  // namespace batchscope::cli
