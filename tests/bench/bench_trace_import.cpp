// Trace import speed and memory on large traces built by repeating a real trace's steps.
//
//   bench_trace_import [--source TRACE.json.gz] [--mb 100,1000] [--dir /tmp]
//
// For each size it writes an uncompressed trace of about that many MB into --dir (deleted after):
// the source's events again and again, each copy shifted in time by the source's span, with its
// correlation ids and ProfilerStep numbers made unique. Then it times, each in a fresh process:
//   reference: reading the same file through zlib (as the importer does) and counting '{'
//   import:    read_trace + analyse_trace (one core)
// and prints MB/s of uncompressed JSON per second of CPU time (user + system of that process:
// the figure for one core, whatever else the machine runs) and per second of wall time, the
// ratio to the reference, and the import's peak resident memory (VmHWM of the child) against the file's
// size. Targets: >= 150 MB/s on one core, peak <= 0.5 x size.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_reader.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace ti = batchscope::trace_import;

std::string gunzip(const std::string& path) {
    gzFile g = gzopen(path.c_str(), "rb");
    if (!g) throw std::runtime_error("cannot open " + path);
    std::string out;
    char buf[1 << 16];
    int n;
    while ((n = gzread(g, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    gzclose(g);
    return out;
}

// Writes about `mb` MB of trace; returns the number of ProfilerStep windows written.
int64_t build_trace(const std::string& source, const std::string& out, double mb) {
    nlohmann::json src = nlohmann::json::parse(gunzip(source));
    nlohmann::json events = std::move(src["traceEvents"]);
    src.erase("traceEvents");
    double first = 1e300, last = -1e300;
    int64_t max_corr = 0, steps = 0;
    for (const auto& e : events) {
        if (!e.contains("ts")) continue;
        const double ts = e["ts"].get<double>();
        first = std::min(first, ts);
        last = std::max(last, ts + e.value("dur", 0.0));
        if (e.contains("args") && e["args"].contains("correlation"))
            max_corr = std::max(max_corr, e["args"]["correlation"].get<int64_t>());
        if (e.value("cat", "") == "user_annotation" && e.value("name", "").rfind("ProfilerStep#", 0) == 0) ++steps;
    }
    const double span = last - first + 1;
    std::ofstream f(out, std::ios::binary);
    std::string head = src.dump();
    head.pop_back();  // the closing brace
    f << head << (src.empty() ? "" : ",") << "\"traceEvents\":[";
    const uint64_t target = static_cast<uint64_t>(mb * 1e6);
    uint64_t written = head.size();
    int64_t copies = 0;
    bool first_event = true;
    while (written < target) {
        for (auto e : events) {
            if (e.contains("ts")) e["ts"] = e["ts"].get<double>() + span * static_cast<double>(copies);
            if (e.contains("args") && e["args"].contains("correlation"))
                e["args"]["correlation"] = e["args"]["correlation"].get<int64_t>() + (max_corr + 1) * copies;
            const std::string name = e.value("name", "");
            if (name.rfind("ProfilerStep#", 0) == 0)
                e["name"] = "ProfilerStep#" + std::to_string(std::stoll(name.substr(13)) + 100000 * copies);
            const std::string text = e.dump();
            if (!first_event) f << ',';
            f << text;
            written += text.size() + 1;
            first_event = false;
        }
        ++copies;
    }
    f << "]}";
    return steps * copies;
}

// Child modes: print "<seconds> <steps>" on stdout.
int child(const std::string& mode, const std::string& file) {
    const auto t0 = Clock::now();
    long long result = 0;
    if (mode == "reference") {
        gzFile g = gzopen(file.c_str(), "rb");
        gzbuffer(g, 1u << 20);
        std::vector<char> buf(4u << 20);
        int n;
        while ((n = gzread(g, buf.data(), static_cast<unsigned>(buf.size()))) > 0)
            for (const char* p = buf.data(); (p = static_cast<const char*>(std::memchr(p, '{', static_cast<size_t>(
                                                   buf.data() + n - p)))) != nullptr;
                 ++p)
                ++result;
        gzclose(g);
    } else {
        ti::ParsedTrace t = ti::read_trace(file);
        result = static_cast<long long>(ti::analyse_trace(t).steps.size());
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    // Peak resident memory of this process image (VmHWM: since the exec, so none of the parent's).
    long long hwm_kb = 0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) hwm_kb = std::stoll(line.substr(6));
    std::printf("%.6f %lld %lld\n", s, result, hwm_kb);
    return 0;
}

struct Run {
    double seconds = 0;      // wall, measured inside the child
    double cpu_seconds = 0;  // user + system of the child
    long long result = 0;
    double peak_mb = 0;
};

Run run_child(const std::string& self, const std::string& mode, const std::string& file) {
    int fd[2];
    if (pipe(fd) != 0) throw std::runtime_error("pipe");
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        execl(self.c_str(), self.c_str(), "--child", mode.c_str(), file.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fd[1]);
    char buf[128] = {};
    const ssize_t n = read(fd[0], buf, sizeof buf - 1);
    close(fd[0]);
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    Run r;
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(mode + " run failed");
    long long hwm_kb = 0;
    std::sscanf(buf, "%lf %lld %lld", &r.seconds, &r.result, &hwm_kb);
    r.peak_mb = static_cast<double>(hwm_kb) / 1024.0;
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    r.cpu_seconds = secs(ru.ru_utime) + secs(ru.ru_stime);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--child") return child(argv[2], argv[3]);
    std::string source = BS_TRACE_SOURCE, dir = std::filesystem::temp_directory_path().string(), sizes = "100,1000";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--source") source = argv[i + 1];
        else if (k == "--mb") sizes = argv[i + 1];
        else if (k == "--dir") dir = argv[i + 1];
    }
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::printf("source: %s; one core; targets: >= 150 MB/s, peak memory <= 0.5 x uncompressed size\n",
                std::filesystem::path(source).filename().c_str());
    std::printf("%9s %8s %14s %14s %8s %15s %9s %10s %4s\n", "size MB", "steps", "reference cpu", "import cpu",
                "ratio", "import wall", "peak MB", "peak/size", "ok");
    std::stringstream list(sizes);
    for (std::string item; std::getline(list, item, ',');) {
        const std::string file = dir + "/bs-bench-trace-" + item + "mb.json";
        const int64_t steps = build_trace(source, file, std::stod(item));
        const double size_mb = static_cast<double>(std::filesystem::file_size(file)) / 1e6;
        const Run ref = run_child(self, "reference", file);
        const Run imp = run_child(self, "import", file);
        std::filesystem::remove(file);
        const double ref_rate = size_mb / ref.cpu_seconds, imp_rate = size_mb / imp.cpu_seconds;
        std::printf("%9.1f %8lld %9.0f MB/s %9.0f MB/s %7.2fx %10.0f MB/s %9.1f %10.3f %4s\n", size_mb, imp.result,
                    ref_rate, imp_rate, imp_rate / ref_rate, size_mb / imp.seconds, imp.peak_mb, imp.peak_mb / size_mb,
                    imp.result == steps && imp_rate >= 150 && imp.peak_mb <= 0.5 * size_mb ? "yes" : "NO");
        std::fflush(stdout);
    }
    return 0;
}
