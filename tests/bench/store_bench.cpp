// Session-store speed: request rows inserted per second through the recorder (target ≥ 500k/s),
// and opening + comparing two sessions of 100k iterations and 1M requests each (target < 1 s).
// Prints its figures; not a test.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "batchscope/store/compare.h"
#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"

using namespace batchscope::store;
using Clock = std::chrono::steady_clock;

namespace {
double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

int64_t fill(const std::string& path, int64_t iterations, int64_t requests, int batch, double* req_rate) {
    SessionMeta m;
    m.mode = "train";
    m.model = "bench";
    m.config_json = "{\"batch_size\":" + std::to_string(batch) + "}";
    SessionRecorder rec(path, m, size_t{1} << 22);
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < requests; ++i) {
        RequestRow r;
        r.request_id = i;
        r.scheduled_ns = i * 1000;
        r.latency_ns = 50'000 + (i * 7919) % 100'000;
        r.batch_size = 1;
        rec.add(r);
    }
    rec.finish("finished");
    const auto t1 = Clock::now();
    *req_rate = static_cast<double>(requests) / secs(t0, t1);
    SessionRecorder rec2(path, m, size_t{1} << 22);
    for (int64_t i = 0; i < iterations; ++i) {
        IterationRow r;
        r.iteration = i;
        r.wall_ns = 1'000'000;
        r.compute_ns = 900'000;
        r.host_ns = 100'000;
        rec2.add(r);
    }
    rec2.finish("finished");
    return rec.session_id();
}
}  // namespace

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path().string();
    const std::string path = dir + "/batchscope-store-bench.db";
    std::filesystem::remove(path);
    double rate_a = 0, rate_b = 0;
    const int64_t a = fill(path, 100'000, 1'000'000, 32, &rate_a);
    const int64_t b = fill(path, 100'000, 1'000'000, 64, &rate_b);
    std::printf("insert: %.0f and %.0f request rows/s through the recorder (target >= 500000)\n", rate_a, rate_b);
    const auto t0 = Clock::now();
    SessionStore s(path, true);
    Comparison c = compare_sessions(s, {a, b});
    const auto t1 = Clock::now();
    std::printf("open + compare two sessions (1M requests each): %.3f s (target < 1 s), %zu metrics, %zu config rows\n",
                secs(t0, t1), c.metrics.size(), c.config_diff.size());
    std::filesystem::remove(path);
    return 0;
}
