#include "cli_infer_common.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/store/session_store.h"
#include "cli_commands.h"
#include "cli_device_format.h"

namespace batchscope::cli {

using engine::infer::InferResult;
using engine::infer::LatencySummary;

double us(double ns) { return ns / 1e3; }

void add_served_model_options(CLI::App& cmd, ServedModelOptions& m, engine::infer::InferConfig& cfg) {
    cmd.add_option("--checkpoint", m.checkpoint, "Model checkpoint to serve (written by `train --save-checkpoint`)");
    cmd.add_option("--backend", cfg.backend,
                   "cpu, or cuda: serve the checkpoint on the GPU through the plugin (every model: ReLU MLPs, logistic "
                   "regression and linear SVMs on the tuned path, the others as the layer stack); a GPU that "
                   "cannot be used is an error with the reason")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    cmd.add_flag("--cuda-graphs,!--no-cuda-graphs", cfg.cuda_graphs,
                 "With --backend cuda: serve each batch size as a CUDA graph captured on first use and replayed "
                 "(default on; the backend line says when graphs could not be used, and why)");
    cmd.add_flag_callback("--no-cupti", [&cfg] { cfg.cupti = false; },
                          "--backend cuda: time h2d, compute and d2h with CUDA events instead of tracing the GPU with "
                          "CUPTI (no kernel or copy tables)");
    cmd.add_option("--data", cfg.data_dir, "Fashion-MNIST folder with the t10k IDX .gz files (default: Debian's package)");
    cmd.add_option("--test-limit", cfg.test_limit, "Serve only the first N test samples (0 = all)");
    cmd.add_option("-t,--threads", cfg.threads, "BLAS threads for compute")->capture_default_str();
    cmd.add_option("--synthetic-us", m.synthetic_us,
                   "Serve with a synthetic service taking this many microseconds per batch instead of a model")
        ->each([&m](const std::string&) { m.synthetic_given = true; });
    cmd.add_option("--synthetic-per-request-us", m.synthetic_per_request_us,
                   "With --synthetic-us: extra microseconds per request of a batch");
}

std::string check_served_model(const ServedModelOptions& m) {
    const bool synthetic = m.synthetic_given;
    auto text = [](double v) {
        std::ostringstream os;
        os << v;
        return os.str();
    };
    // A value out of range was taken for "not given" (a negative one then asked for a checkpoint,
    // or was ignored beside --checkpoint): say what is wrong with the value itself.
    if (synthetic && !(m.synthetic_us >= 0 && m.synthetic_us <= 1e7))
        return "--synthetic-us " + text(m.synthetic_us) + ": the service time per batch is 0 to 10000000 microseconds";
    if (!(m.synthetic_per_request_us >= 0 && m.synthetic_per_request_us <= 1e6))
        return "--synthetic-per-request-us " + text(m.synthetic_per_request_us) +
               ": the extra time per request is 0 to 1000000 microseconds";
    if (!synthetic && m.synthetic_per_request_us != 0) return "--synthetic-per-request-us needs --synthetic-us";
    if (m.checkpoint.empty() && !synthetic) return "needs --checkpoint FILE (or --synthetic-us US)";
    if (!m.checkpoint.empty() && synthetic) return "--checkpoint and --synthetic-us exclude each other";
    return {};
}

std::string check_backend(const ServedModelOptions& m, const engine::infer::InferConfig& cfg) {
    if (cfg.backend != "cuda") return {};
    if (m.synthetic_given) return "--backend cuda serves a --checkpoint; the synthetic service has no GPU side";
    const engine::GpuProbeResult gpu = engine::probe_gpu();
    if (!gpu.usable) return "--backend cuda: " + engine::infer::gpu_unavailable(gpu.reason);
    return {};
}

int service_error_exit(const std::exception& e) {
    if (const auto* g = dynamic_cast<const engine::GpuError*>(&e))
        if (g->code() == engine::GpuErrc::no_device || g->code() == engine::GpuErrc::unsupported) return kExitUsage;
    return kExitRunFailed;
}

std::shared_ptr<engine::infer::BatchService> make_service(const ServedModelOptions& m,
                                                          const engine::infer::InferConfig& cfg) {
    if (m.synthetic_given) {
        std::ostringstream name;
        name << "synthetic " << m.synthetic_us << " us/batch";
        if (m.synthetic_per_request_us > 0) name << " + " << m.synthetic_per_request_us << " us/request";
        return engine::infer::make_synthetic_service(
            engine::infer::fixed_service_time(std::llround(m.synthetic_us * 1e3),
                                              std::llround(m.synthetic_per_request_us * 1e3)),
            name.str());
    }
    engine::infer::InferConfig c = cfg;
    c.checkpoint = m.checkpoint;
    return engine::infer::make_checkpoint_service(c);
}

std::vector<double> parse_number_list(const std::string& s) {
    std::vector<double> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');) {
        size_t used = 0;
        double v = 0;
        try {
            v = std::stod(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || !(v > 0)) return {};
        out.push_back(v);
    }
    return out;
}

namespace {

void print_summary_line(const char* what, const LatencySummary& s) {
    std::printf("%s: p50 %.1f us, p99 %.1f us, max %.1f us\n", what, us(static_cast<double>(s.value_ns(50))),
                us(static_cast<double>(s.value_ns(99))), us(static_cast<double>(s.max_ns)));
}

}  // namespace

void print_result(const InferResult& r) {
    std::printf("served %lld of %lld requests in %.3f s: %.1f requests/s", static_cast<long long>(r.completed),
                static_cast<long long>(r.issued), r.duration_s, r.throughput_rps);
    if (r.dropped) std::printf(" (%lld dropped when stopped)", static_cast<long long>(r.dropped));
    if (r.accuracy >= 0)
        std::printf(", served accuracy %.2f%% (%lld checked)", 100 * r.accuracy, static_cast<long long>(r.checked));
    std::printf("\nlatency from the scheduled arrival%s:\n", r.latency.exact ? "" : " (from a histogram, within 0.8%)");
    for (const auto& p : r.latency.percentiles) {
        std::printf("  p%-5g %10.1f us   (%lld requests, %lld at or above)", p.p, us(static_cast<double>(p.value_ns)),
                    static_cast<long long>(p.samples), static_cast<long long>(p.tail));
        if (!p.enough) std::printf("  too few samples: %lld needed", static_cast<long long>(p.needed));
        std::printf("\n");
    }
    std::printf("  mean %.1f us, max %.1f us\n", us(r.latency.mean_ns), us(static_cast<double>(r.latency.max_ns)));
    std::printf("  per request: queue %.1f us + h2d %.1f us + compute %.1f us + d2h %.1f us\n", us(r.queue.mean_ns),
                us(r.mean_h2d_ns), us(r.mean_compute_ns), us(r.mean_d2h_ns));
    print_summary_line("generator lateness (actual - scheduled issue)", r.lateness);
    std::printf("batch sizes:");
    for (size_t k = 1; k < r.batch_sizes.size(); ++k)
        if (r.batch_sizes[k]) std::printf(" %zu x %lld", k, static_cast<long long>(r.batch_sizes[k]));
    std::printf("  (mean %.2f over %lld batches)\n", r.mean_batch, static_cast<long long>(r.batches));
    if (r.device.name.empty()) return;
    if (r.gpu_timing.mode == profiler::GpuTimingMode::Cupti)
        std::printf("GPU phases from CUPTI records: %lld batches; from CUDA events (no record in time): %lld\n",
                    static_cast<long long>(r.batches_from_records), static_cast<long long>(r.batches_from_events));
    print_device(r.device);
}

nlohmann::json summary_json(const LatencySummary& s) {
    nlohmann::json j = {{"count", s.count},
                        {"exact", s.exact},
                        {"min", us(static_cast<double>(s.min_ns))},
                        {"max", us(static_cast<double>(s.max_ns))},
                        {"mean", us(s.mean_ns)},
                        {"percentiles", nlohmann::json::array()}};
    for (const auto& p : s.percentiles)
        j["percentiles"].push_back({{"p", p.p},
                                    {"value", us(static_cast<double>(p.value_ns))},
                                    {"samples", p.samples},
                                    {"tail", p.tail},
                                    {"needed", p.needed},
                                    {"enough", p.enough}});
    return j;
}

nlohmann::json result_json(const InferResult& r) {
    nlohmann::json sizes = nlohmann::json::object();
    for (size_t k = 1; k < r.batch_sizes.size(); ++k)
        if (r.batch_sizes[k]) sizes[std::to_string(k)] = r.batch_sizes[k];
    nlohmann::json j = {{"issued", r.issued},
                        {"completed", r.completed},
                        {"dropped", r.dropped},
                        {"duration_s", r.duration_s},
                        {"throughput_rps", r.throughput_rps},
                        {"latency_us", summary_json(r.latency)},
                        {"lateness_us", summary_json(r.lateness)},
                        {"queue_us", summary_json(r.queue)},
                        {"mean_h2d_us", us(r.mean_h2d_ns)},
                        {"mean_compute_us", us(r.mean_compute_ns)},
                        {"mean_d2h_us", us(r.mean_d2h_ns)},
                        {"batches", r.batches},
                        {"mean_batch", r.mean_batch},
                        {"batch_sizes", sizes},
                        {"checked", r.checked}};
    if (r.accuracy >= 0) j["accuracy"] = r.accuracy;
    if (!r.device.name.empty()) {  // a GPU service: how its phases were timed, and the device's tables
        j["gpu_timing"] = {{"mode", profiler::to_string(r.gpu_timing.mode)}, {"reason", r.gpu_timing.reason}};
        j["batches_from_records"] = r.batches_from_records;
        j["batches_from_events"] = r.batches_from_events;
        j["device"] = device_json(r.device);
    }
    return j;
}

std::string run_tag(const std::string& what) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    return what + "-" + buf;
}

engine::infer::StreamSinkFactory stream_sessions(const std::string& db, std::shared_ptr<engine::infer::BatchService> service,
                                                 const std::string& what, const std::string& tag,
                                                 std::shared_ptr<std::vector<int64_t>> ids) {
    { store::SessionStore check(db); }  // opens (and checks) the file now, before any stream runs
    return [db, service, what, tag, ids](const engine::infer::InferConfig& c) -> std::shared_ptr<engine::infer::InferSink> {
        char name[160];
        std::snprintf(name, sizeof name, "%s #%zu: max batch %d, rate %.0f", what.c_str(), ids->size() + 1, c.max_batch,
                      c.rate);
        auto sink = std::make_shared<engine::infer::InferSessionSink>(db, c, *service, name, what,
                                                                      std::vector<std::string>{tag});
        ids->push_back(sink->session_id());
        return sink;
    };
}

}  // namespace batchscope::cli
