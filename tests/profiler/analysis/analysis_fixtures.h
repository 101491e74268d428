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

}  // namespace bs_analysis_test
