#pragma once
// A session file in a temporary folder, written with the real SessionRecorder.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "batchscope/store/session_recorder.h"

namespace bs_analysis_test {

struct TempDb {
    TempDb() {
        std::string pattern = (std::filesystem::temp_directory_path() / "bs-analysis-XXXXXX").string();
        dir = mkdtemp(pattern.data()) ? pattern : std::string();
        path = dir + "/sessions.db";
    }
    ~TempDb() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::string dir, path;
};

inline batchscope::store::SessionMeta meta(const std::string& name, const std::string& mode, const std::string& backend) {
    batchscope::store::SessionMeta m;
    m.name = name;
    m.mode = mode;
    m.model = "mlp";
    m.backend = backend;
    m.env_json = R"({"cpu":"test","gpu":"NVIDIA H100 80GB HBM3"})";
    return m;
}

// Two iterations of 10 ms from `start_ns` (batch 64): wait 2, h2d 0.5, compute 6, d2h 0.25 and
// host 1.25 ms each.
inline void add_two_iterations(batchscope::store::SessionRecorder& rec, int64_t start_ns, int epoch) {
    for (int i = 0; i < 2; ++i) {
        batchscope::store::IterationRow r;
        r.iteration = i;
        r.epoch = epoch;
        r.batch_size = 64;
        r.start_ns = start_ns + i * 10'000'000;
        r.wall_ns = 10'000'000;
        r.data_wait_ns = 2'000'000;
        r.h2d_ns = 500'000;
        r.compute_ns = 6'000'000;
        r.d2h_ns = 250'000;
        r.host_ns = 1'250'000;
        rec.add(r);
    }
}

}  // namespace bs_analysis_test
