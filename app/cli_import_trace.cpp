// batchscope-cli import-trace PATH...: PyTorch profiler traces (one file per rank) into sessions.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "batchscope/store/session_store.h"
#include "batchscope/trace_import/import_session.h"
#include "cli_commands.h"

namespace batchscope::cli {
namespace {

namespace fs = std::filesystem;
using trace_import::ImportedTrace;

struct Args {
    std::vector<std::string> paths;
    std::string db = store::SessionStore::default_path();
    std::string name;
    int rank = -1;
    bool json = false;
};

class ProgressBar {
public:
    explicit ProgressBar(bool on) : on_(on) {}
    void show(const std::string& file, size_t index, size_t count, uint64_t done, uint64_t total) {
        if (!on_) return;
        const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
        const int filled = static_cast<int>(f * 30);
        std::fprintf(stderr, "\r[%-30s] %3.0f%%  %zu/%zu %s", std::string(static_cast<size_t>(filled), '#').c_str(),
                     100 * f, index + 1, count, fs::path(file).filename().string().c_str());
        std::fflush(stderr);
    }
    void done() {
        if (on_) std::fprintf(stderr, "\r%80s\r", "");
    }

private:
    bool on_;
};

double share(int64_t part, int64_t wall) { return wall > 0 ? static_cast<double>(part) / static_cast<double>(wall) : 0; }

nlohmann::json rank_json(const ImportedTrace& t) {
    const auto& s = t.analysis.total;
    nlohmann::json j = {{"file", t.meta.file}};
    j["rank"] = t.meta.rank >= 0 ? nlohmann::json(t.meta.rank) : nlohmann::json(nullptr);
    j["world_size"] = t.meta.world_size > 0 ? nlohmann::json(t.meta.world_size) : nlohmann::json(nullptr);
    j["steps"] = t.analysis.steps.size();
    j["window_ms"] = static_cast<double>(s.wall_ns) / 1e6;
    j["share"] = {{"compute", share(s.compute_ns, s.wall_ns)},   {"comm", share(s.comm_ns, s.wall_ns)},
                  {"h2d", share(s.h2d_ns, s.wall_ns)},           {"d2h", share(s.d2h_ns, s.wall_ns)},
                  {"other_gpu", share(s.other_gpu_ns, s.wall_ns)}, {"data_wait", share(s.data_wait_ns, s.wall_ns)},
                  {"host", share(s.host_ns, s.wall_ns)}};
    return j;
}

void print_rank(const ImportedTrace& t, int64_t id) {
    const auto& a = t.analysis;
    const auto& s = a.total;
    const std::string rank = t.meta.rank >= 0 ? std::to_string(t.meta.rank) : "?";
    const std::string world = t.meta.world_size > 0 ? std::to_string(t.meta.world_size) : "?";
    std::printf("rank %s of %s  %s  (session %lld)\n", rank.c_str(), world.c_str(), t.meta.file.c_str(),
                static_cast<long long>(id));
    std::printf("  %zu %s, window %.3f ms%s\n", a.steps.size(), a.whole_trace_window ? "window" : "steps",
                static_cast<double>(s.wall_ns) / 1e6,
                a.whole_trace_window ? " (no ProfilerStep: the whole trace is one window)" : "");
    std::printf("  compute %5.1f%%  comm %5.1f%%  h2d %5.1f%%  d2h %5.1f%%  other gpu %5.1f%%  data wait %5.1f%%  "
                "host %5.1f%%\n",
                100 * share(s.compute_ns, s.wall_ns), 100 * share(s.comm_ns, s.wall_ns), 100 * share(s.h2d_ns, s.wall_ns),
                100 * share(s.d2h_ns, s.wall_ns), 100 * share(s.other_gpu_ns, s.wall_ns),
                100 * share(s.data_wait_ns, s.wall_ns), 100 * share(s.host_ns, s.wall_ns));
    if (a.has_gpu)
        std::printf("  of host: GPU idle with nothing queued %.1f%% of the window; collectives overlapped with compute "
                    "%.1f%% of their time\n",
                    100 * share(s.host_wait_ns, s.wall_ns), 100 * share(s.comm_overlap_ns, s.comm_busy_ns));
    if (const auto& k = t.kept; !k.activities.empty())
        std::printf("  kept for the timeline and tables: %zu events of %s (sessions show %lld --kernels / --copies)\n",
                    k.activities.size(),
                    k.partial ? ("step " + std::to_string(k.first_step) + ", in part").c_str()
                              : (std::to_string(k.steps_kept) + " of " + std::to_string(a.steps.size()) + " steps").c_str(),
                    static_cast<long long>(id));
    if (t.meta.truncated)
        std::printf("  warning: the file ends early at byte %llu%s: %zu complete steps kept, %d lost\n",
                    static_cast<unsigned long long>(t.meta.truncated_at),
                    t.meta.gzip_truncated ? " (the gzip data is cut off)" : "", a.steps.size(), a.steps_lost);
}

int run(const Args& a) {
    std::vector<std::string> skipped;
    const std::vector<std::string> files = trace_import::collect_trace_files(a.paths, skipped);
    for (const auto& s : skipped) std::cerr << "batchscope-cli import-trace: skipped (not a .json or .json.gz trace): " << s << "\n";
    if (files.empty()) {
        std::cerr << "batchscope-cli import-trace: no trace files (.json, .json.gz) in what was given\n";
        return kExitRunFailed;
    }
    ProgressBar bar(isatty(STDERR_FILENO) != 0);
    trace_import::ImportBatch b;
    try {
        b = trace_import::import_traces(files, a.db, a.name, a.rank, [&](size_t i, size_t n, uint64_t done, uint64_t total) {
            bar.show(files[i], i, n, done, total);
        });
    } catch (const trace_import::ImportError& e) {
        bar.done();
        std::cerr << "batchscope-cli import-trace: " << e.what() << "\nNothing was saved.\n";
        return kExitRunFailed;
    } catch (const store::StoreError& e) {
        bar.done();
        std::cerr << "batchscope-cli import-trace: " << e.what() << "\n";
        return kExitRunFailed;
    }
    bar.done();
    if (a.json) {
        nlohmann::json ranks = nlohmann::json::array();
        for (const auto& t : b.traces) ranks.push_back(rank_json(t));
        std::cout << nlohmann::json{{"ranks", ranks}}.dump(2) << "\n";
        return kExitOk;
    }
    for (size_t i = 0; i < b.traces.size(); ++i) print_rank(b.traces[i], b.ids[i]);
    std::printf("saved %zu session%s in %s, tag %s", b.ids.size(), b.ids.size() == 1 ? "" : "s", a.db.c_str(),
                b.tag.c_str());
    if (b.ids.size() > 1) std::printf(" (compare: batchscope-cli sessions compare --tag %s)", b.tag.c_str());
    std::printf("\n");
    return kExitOk;
}

}  // namespace

Runner add_import_trace_command(CLI::App& app) {
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("import-trace",
                                   "Import PyTorch profiler traces (.json, .json.gz; folders of them, one file per rank) as "
                                   "sessions");
    cmd->add_option("paths", a->paths, "Trace files or folders")->required();
    cmd->add_option("--db", a->db, "Session database file")->capture_default_str();
    cmd->add_option("--name", a->name, "Session name (\" rank N\" is added when several files are imported)");
    cmd->add_option("--rank", a->rank, "Rank of a single trace that names none (distributedInfo, rank-N in its name)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", a->json, "JSON output: {\"ranks\": [{file, rank, world_size, steps, window_ms, share}]}");
    return [a] { return run(*a); };
}

}  // namespace batchscope::cli
