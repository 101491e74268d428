#pragma once
// Saving an imported trace as a session (mode "imported"): one iteration row per step (with
// comm_ns and other_gpu_ns), the verdict and advice, the import's metadata in config_json
// (source file and size, rank, world size, backend, PyTorch schema version, steps lost) and
// env_json (device names), and the whole-trace figures in the session summary.
#include <cstdint>
#include <string>

#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/trace_model.h"
#include "batchscope/trace_import/trace_reader.h"

namespace batchscope::trace_import {

struct ImportedTrace {
    TraceMeta meta;
    TraceAnalysis analysis;
    uint64_t events = 0;
};

// Reads and analyses one file, keeping only the analysis (see read_trace for what it throws).
ImportedTrace load_trace(const std::string& path, const ReadOptions& opt = {}, const ReadProgress& progress = {},
                         const std::atomic<bool>* cancel = nullptr);

// "import-YYYYMMDD-HHMMSS" for now (UTC).
std::string import_tag();

// Saves `t` into the session file `db`; returns the new session id. Throws store::StoreError.
int64_t save_imported(const std::string& db, const ImportedTrace& t, const std::string& name, const std::string& tag);

}  // namespace batchscope::trace_import
