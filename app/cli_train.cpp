#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/engine/session_sink.h"
#include "batchscope/store/session_store.h"
#include "batchscope/engine/training_run.h"
#include "batchscope/profiler/output_file.h"
#include "cli_commands.h"
#include "cli_device_format.h"
#include "cli_export.h"
#include "cli_data_options.h"

namespace batchscope::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted.store(true); }

using engine::EpochRecord;
using engine::RunState;

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

void print_breakdown(const profiler::Breakdown& b) {
    const double wall = static_cast<double>(std::max<int64_t>(1, b.wall_ns));
    auto part = [&](const char* name, int64_t ns) {
        std::printf(" %s %.3f ms (%.1f%%)", name, ms(ns), 100.0 * static_cast<double>(ns) / wall);
    };
    std::printf("  mean iteration %.3f ms =", ms(b.wall_ns));
    part("data wait", b.data_wait_ns);
    part("+ h2d", b.h2d_ns);
    part("+ compute", b.compute_ns);
    part("+ d2h", b.d2h_ns);
    part("+ host", b.host_ns);
    std::printf("\n");
}

nlohmann::json breakdown_json(const profiler::Breakdown& b) {
    return {{"wall_ms", ms(b.wall_ns)},           {"data_wait_ms", ms(b.data_wait_ns)}, {"h2d_ms", ms(b.h2d_ns)},
            {"compute_ms", ms(b.compute_ns)},     {"d2h_ms", ms(b.d2h_ns)},             {"host_ms", ms(b.host_ns)}};
}

nlohmann::json epoch_json(const EpochRecord& e) {
    nlohmann::json j = {{"epoch", e.epoch},
                        {"train_loss", e.train_loss},
                        {"samples", e.samples},
                        {"iterations", e.iterations},
                        {"samples_per_s", e.samples_per_s},
                        {"steady_samples_per_s", e.steady_samples_per_s},
                        {"wall_s", e.wall_s},
                        {"loader_busy_s", static_cast<double>(e.loader_busy_ns) / 1e9},
                        {"mean_breakdown", breakdown_json(e.mean_breakdown)},
                        {"load", data_epoch_json(e)}};
    if (e.test_accuracy >= 0) j["test_accuracy"] = e.test_accuracy;
    return j;
}

// FLOPs the model's training step performs per second of the epoch's compute phase.
double compute_gflops(const EpochRecord& e, int64_t flops_per_sample) {
    const double compute_ns = static_cast<double>(e.mean_breakdown.compute_ns) * static_cast<double>(e.iterations);
    return compute_ns > 0 ? static_cast<double>(flops_per_sample) * static_cast<double>(e.samples) / compute_ns : 0.0;
}

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

void print_memory(const engine::MemoryUse& m) {
    std::printf("  host memory %.2f MiB: weights %.2f, gradients %.2f, optimizer state %.2f, activations %.2f, "
                "workspace %.2f, batch buffers %.2f\n",
                mib(m.total()), mib(m.weights), mib(m.gradients), mib(m.optimizer_state), mib(m.activations),
                mib(m.workspace), mib(m.batch_buffers));
}

nlohmann::json memory_json(const engine::MemoryUse& m) {
    return {{"weights_bytes", m.weights},       {"gradients_bytes", m.gradients},
            {"optimizer_state_bytes", m.optimizer_state}, {"activations_bytes", m.activations},
            {"workspace_bytes", m.workspace},   {"batch_buffers_bytes", m.batch_buffers},
            {"total_bytes", m.total()}};
}

void print_progress(const engine::RunSnapshot& s) {
    std::fprintf(stderr, "\r  epoch %d/%d  %5.1f%%  %lld samples  loss %.4f   ", s.epoch, s.epochs,
                 100.0 * s.epoch_progress, static_cast<long long>(s.samples_done),
                 s.loss.empty() ? 0.0 : s.loss.back().value);
    std::fflush(stderr);
}

}  // namespace

Runner add_train_command(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "train", "Train a model (logistic regression, linear SVM, MLP, CNN) on the CPU and print where the time went");
    auto cfg = std::make_shared<engine::TrainConfig>();
    auto json = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    auto db = std::make_shared<std::string>(store::SessionStore::default_path());
    auto no_save = std::make_shared<bool>(false);
    auto name = std::make_shared<std::string>();
    auto save_events = std::make_shared<bool>(false);
    cmd->add_option("--data", cfg->data_dir,
                    "Dataset folder: the Fashion-MNIST IDX .gz files (default: Debian's package), or an image folder");
    add_data_options(*cmd, *cfg);
    auto flag = [](knobs::Knob k) { return std::string(knobs::info(k).cli_flag); };
    auto help = [](knobs::Knob k) { return std::string(knobs::info(k).help); };
    cmd->add_option(flag(knobs::Knob::BatchSize), cfg->batch_size, help(knobs::Knob::BatchSize))->capture_default_str();
    cmd->add_option(flag(knobs::Knob::PrefetchDepth), cfg->prefetch_depth, help(knobs::Knob::PrefetchDepth))
        ->capture_default_str();
    cmd->add_option(flag(knobs::Knob::Workers), cfg->workers, help(knobs::Knob::Workers))
        ->capture_default_str();
    cmd->add_option("-e,--epochs", cfg->epochs, "Epochs")->capture_default_str();
    cmd->add_option("--seed", cfg->seed, "Seed for initialisation and shuffling")
        ->check(kSeedCheck)
        ->capture_default_str();
    cmd->add_option("--model", cfg->model,
                    "Model: logreg, svm[:margin=M], mlp:W1,W2,...[:relu|gelu][:dropout=P], "
                    "cnn:C1,C2,...[:fc=F][:relu|gelu][:dropout=P] (3x3 conv + 2x2 max-pool per Ci)")
        ->capture_default_str();
    cmd->add_option("--optimizer", cfg->optimizer, "sgd (with --momentum) or adam")->capture_default_str();
    cmd->add_option("--backend", cfg->backend,
                    "cpu, or cuda: train on the GPU through the plugin (MLPs and logistic regression with SGD so far); "
                    "a GPU that cannot be used fails the run with the reason")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    cmd->add_flag("--tf32", cfg->tf32, "With --backend cuda: let cuBLAS use TF32 tensor cores (~1e-3 relative error)");
    cmd->add_flag_callback("--no-cupti", [cfg] { cfg->cupti = false; },
                           "With --backend cuda: time GPU work with CUDA events instead of CUPTI (to compare)");
    cmd->add_option("--lr", cfg->learning_rate, "Learning rate")->capture_default_str();
    cmd->add_option("--momentum", cfg->momentum, "SGD momentum")->capture_default_str();
    cmd->add_option("--weight-decay", cfg->weight_decay, "L2 weight decay added to the gradient")->capture_default_str();
    cmd->add_option("--lr-schedule", cfg->lr_schedule,
                    "Per-epoch learning-rate schedule: none, step:N[:GAMMA] (x GAMMA every N epochs), cosine")
        ->capture_default_str();
    cmd->add_flag("--scale-lr-with-batch", cfg->scale_lr_with_batch,
                  "Linear scaling rule: learning rate x batch / --batch, following live batch-size changes too");
    cmd->add_option(flag(knobs::Knob::Threads), cfg->threads, help(knobs::Knob::Threads))->capture_default_str();
    cmd->add_option("--train-limit", cfg->train_limit, "Use only the first N training samples (0 = all)");
    cmd->add_option("--test-limit", cfg->test_limit, "Evaluate on the first N test samples (0 = all)");
    cmd->add_flag("--no-trace", [cfg](int64_t) { cfg->trace = false; }, "Do not record host trace events");
    cmd->add_flag("--json", *json, "Print one JSON object instead of text");
    cmd->add_flag("-q,--quiet", *quiet, "No progress line");
    cmd->add_option("--db", *db, "Session database the run is saved in")->capture_default_str();
    cmd->add_flag("--no-save", *no_save, "Do not save the run as a session");
    cmd->add_option("--name", *name, "Session name (default: describes the knobs)");
    cmd->add_flag("--save-events", *save_events,
                  "Also keep the raw trace events in the session (for `sessions export ID --format chrome`)");
    cmd->add_option("--save-checkpoint", cfg->checkpoint_path,
                    "Write the trained model to this checkpoint file at the end (for `infer --checkpoint`)");

    auto exports = add_export_options(*cmd);

    return [cfg, json, quiet, db, no_save, name, exports, save_events]() -> int {
        if (auto err = engine::validate(*cfg); !err.empty()) {
            std::cerr << "batchscope-cli train: " << err << "\n";
            return kExitUsage;
        }
        if (*save_events && (*no_save || !cfg->trace)) {
            std::cerr << "batchscope-cli train: --save-events keeps the traced events in the saved session; "
                         "it cannot go with " << (*no_save ? "--no-save" : "--no-trace") << "\n";
            return kExitUsage;
        }
        // Every output file is checked before training: a typo in a folder must not lose the model.
        std::vector<std::string> unwritable = exports->unwritable();
        if (!cfg->checkpoint_path.empty())
            if (std::string why = profiler::check_output_path(cfg->checkpoint_path); !why.empty()) unwritable.push_back(why);
        if (!unwritable.empty()) {
            for (const std::string& why : unwritable) std::cerr << "batchscope-cli train: cannot write " << why << "\n";
            std::cerr << "batchscope-cli train: nothing was trained; fix the output path and run again\n";
            return kExitUsage;
        }
        const auto gpu = engine::probe_gpu();
        std::shared_ptr<engine::SessionSink> sink;
        if (!*no_save) {
            try {
                sink = std::make_shared<engine::SessionSink>(*db, *cfg, *name);
                sink->set_save_events(*save_events);
            } catch (const store::StoreError& e) {
                std::cerr << "batchscope-cli train: cannot save the session: " << e.what()
                          << "\n(use --db FILE for another database, or --no-save)\n";
                return kExitRunFailed;
            }
        }
        engine::TrainingRun run(*cfg);
        run.set_sink(export_sink(*exports, *cfg, sink));
        // Ctrl-C (SIGINT) and SIGTERM stop the run at the next iteration boundary; the summary,
        // checkpoint and exports are written and the session is saved "stopped". A second one ends
        // the process at once (SA_RESETHAND).
        g_interrupted.store(false);
        struct sigaction stop_action {};
        stop_action.sa_handler = on_interrupt;
        stop_action.sa_flags = SA_RESETHAND;
        sigemptyset(&stop_action.sa_mask);
        sigaction(SIGINT, &stop_action, nullptr);
        sigaction(SIGTERM, &stop_action, nullptr);
        run.start();
        const bool progress = !*json && !*quiet && isatty(STDERR_FILENO);
        size_t epochs_printed = 0;
        bool header = false;
        for (;;) {
            auto s = run.snapshot();
            const bool ended = engine::run_ended(s->state);
            if (!*json && !header && s->state != RunState::Loading && s->state != RunState::Idle &&
                s->state != RunState::Failed) {
                std::printf("Batchscope training: %s, %s, %lld train / %lld test samples\n", s->model.c_str(),
                            s->dataset.c_str(), static_cast<long long>(s->train_samples),
                            static_cast<long long>(s->test_samples));
                const std::string gpu_line =
                    cfg->backend == "cuda" ? std::string("GPU: ") + gpu.summary()
                    : gpu.usable           ? std::string("GPU available (train on it with --backend cuda): ") + gpu.summary()
                                           : std::string("GPU unavailable (training on the CPU): ") + gpu.reason;
                std::printf("backend: %s\n%s\n", s->backend.c_str(), gpu_line.c_str());
                std::printf("knobs: batch %d, prefetch %d, workers %d, threads %d, epochs %d, seed %llu\n",
                            s->batch_size, s->prefetch_depth, s->workers, cfg->threads, s->epochs,
                            static_cast<unsigned long long>(cfg->seed));
                std::printf("model: %s, %lld parameters, %.2f MFLOP per training sample; optimizer %s, lr %g\n",
                            s->model_spec.c_str(), static_cast<long long>(s->parameters),
                            static_cast<double>(s->flops_per_sample) / 1e6, s->optimizer.c_str(),
                            static_cast<double>(cfg->learning_rate));
                if (!s->compute_profile.empty()) {  // the compute probe (docs/ADVICE.md): for the batch-size advice
                    std::string timed;
                    for (const profiler::ComputePoint& p : s->compute_profile) {
                        char b[64];
                        std::snprintf(b, sizeof b, "%s%.3f ms at %d", timed.empty() ? "" : ", ", static_cast<double>(p.ns) / 1e6,
                                      p.batch);
                        timed += b;
                    }
                    std::printf("forward pass timed before the run (for the batch-size advice): %s\n", timed.c_str());
                }
                print_data_header(*s);
                if (s->gpu_timing.mode != profiler::GpuTimingMode::None) std::printf("%s\n", s->gpu_timing.describe().c_str());
                std::fflush(stdout);
                header = true;
            }
            for (; !*json && epochs_printed < s->epochs_done.size(); ++epochs_printed) {
                const EpochRecord& e = s->epochs_done[epochs_printed];
                if (progress) std::fprintf(stderr, "\r%60s\r", "");
                std::printf("epoch %d/%d: loss %.4f  test accuracy %s  %.0f samples/s (steady %.0f)  %.2f s\n",
                            e.epoch, s->epochs, e.train_loss,
                            e.test_accuracy >= 0 ? (std::to_string(e.test_accuracy * 100).substr(0, 5) + "%").c_str()
                                                 : "n/a (partial epoch)",
                            e.samples_per_s, e.steady_samples_per_s, e.wall_s);
                print_breakdown(e.mean_breakdown);
                std::printf("  loader busy %.3f s (summed over workers) for %.3f s of exposed data wait\n",
                            static_cast<double>(e.loader_busy_ns) / 1e9,
                            static_cast<double>(e.mean_breakdown.data_wait_ns * e.iterations) / 1e9);
                print_data_epoch(e);
                if (const double g = compute_gflops(e, s->flops_per_sample); g > 0)
                    std::printf("  compute phase %.2f GFLOP/s (%.2f MFLOP per training sample)\n", g,
                                static_cast<double>(s->flops_per_sample) / 1e6);
                print_memory(s->memory);
                std::fflush(stdout);
            }
            if (ended) {
                if (progress) std::fprintf(stderr, "\r%60s\r", "");
                if (*json) {
                    nlohmann::json j = {{"state", engine::to_string(s->state)},
                                        {"message", s->message},
                                        {"backend", s->backend},
                                        {"gpu", {{"usable", gpu.usable}, {"reason", gpu.reason}}},
                                        {"gpu_timing", {{"mode", profiler::to_string(s->gpu_timing.mode)},
                                                        {"reason", s->gpu_timing.reason}}},
                                        {knobs::info(knobs::Knob::BatchSize).name, s->batch_size},
                                        {knobs::info(knobs::Knob::PrefetchDepth).name, s->prefetch_depth},
                                        {knobs::info(knobs::Knob::Workers).name, s->workers},
                                        {"train_samples", s->train_samples},
                                        {"test_samples", s->test_samples},
                                        {"model", s->model},
                                        {"model_spec", s->model_spec},
                                        {"optimizer", s->optimizer},
                                        {"parameters", s->parameters},
                                        {"flops_per_sample", s->flops_per_sample},
                                        {"memory", memory_json(s->memory)},
                                        {"epochs", nlohmann::json::array()}};
                    if (!s->device.name.empty()) j["device"] = device_json(s->device);
                    j["compute_profile"] = nlohmann::json::array();  // forward passes timed (ns by batch size)
                    for (const profiler::ComputePoint& p : s->compute_profile)
                        j["compute_profile"].push_back({{"batch", p.batch}, {"ns", p.ns}});
                    if (sink) j["session"] = {{"id", sink->session_id()}, {"db", sink->db_path()}};
                    if (sink && sink->save_events()) {
                        run.wait();  // the counts are final once the recorder has finished
                        j["session"]["events_saved"] = sink->events_saved();
                        j["session"]["events_dropped"] = sink->events_dropped();
                    }
                    for (const auto& e : s->epochs_done) {
                        j["epochs"].push_back(epoch_json(e));
                        j["epochs"].back()["compute_gflops"] = compute_gflops(e, s->flops_per_sample);
                    }
                    std::cout << j.dump(2) << "\n";
                }
                run.wait();  // the sink has written the end state
                if (!*json && !s->device.name.empty()) print_device(s->device);
                if (sink && !*json)
                    std::printf("saved as session %lld in %s%s\n", static_cast<long long>(sink->session_id()),
                                sink->db_path().c_str(),
                                sink->dropped() ? (" (" + std::to_string(sink->dropped()) + " records dropped)").c_str() : "");
                if (sink && !*json && sink->save_events())
                    std::printf("raw events: %llu saved, %llu dropped (writer queue full), %llu lost by full tracer rings\n",
                                static_cast<unsigned long long>(sink->events_saved()),
                                static_cast<unsigned long long>(sink->events_dropped()),
                                static_cast<unsigned long long>(s->dropped_events));
                if (!cfg->checkpoint_path.empty() && s->state != RunState::Failed && !*json)
                    std::printf(s->iterations_done > 0 ? "checkpoint written to %s\n"
                                                       : "no checkpoint written to %s: nothing was trained\n",
                                cfg->checkpoint_path.c_str());
                std::signal(SIGINT, SIG_DFL);
                std::signal(SIGTERM, SIG_DFL);
                if (s->state == RunState::Stopped && g_interrupted.load() && !*json)
                    std::printf("stopped by a signal after %lld iterations\n", static_cast<long long>(s->iterations_done));
                if (s->state == RunState::Failed) {
                    std::cerr << "batchscope-cli train: " << s->message << "\n";
                    return kExitRunFailed;
                }
                if (!exports->failures->empty()) return kExitRunFailed;  // each said when it failed
                return kExitOk;
            }
            if (g_interrupted.load()) run.stop();
            if (progress && s->state == RunState::Running) print_progress(*s);
            std::this_thread::sleep_for(std::chrono::milliseconds(progress ? 200 : 50));
        }
    };
}

}  // namespace batchscope::cli
