#pragma once
// Saving an imported trace as a session (mode "imported"): one iteration row per step (with
// comm_ns and other_gpu_ns), the verdict and advice, the import's metadata in config_json
// (source file and size, rank, world size, backend, PyTorch schema version, steps lost) and
// env_json (device names), and the whole-trace figures in the session summary.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "batchscope/trace_import/step_breakdown.h"
#include "batchscope/trace_import/stored_events.h"
#include "batchscope/trace_import/trace_model.h"
#include "batchscope/trace_import/trace_reader.h"

namespace batchscope::trace_import {

struct ImportedTrace {
    TraceMeta meta;
    TraceAnalysis analysis;
    uint64_t events = 0;
    KeptEvents kept;  // the raw events saved with the session (bounded: ReadOptions::keep_events)
};

// Reads and analyses one file, keeping the analysis and a bounded number of raw events (see
// read_trace for what it throws).
ImportedTrace load_trace(const std::string& path, const ReadOptions& opt = {}, const ReadProgress& progress = {},
                         const std::atomic<bool>* cancel = nullptr);

// The trace files that `paths` name: files as given, and each folder's *.json / *.json.gz in name
// order; the folders' other entries go to `skipped`.
std::vector<std::string> collect_trace_files(const std::vector<std::string>& paths, std::vector<std::string>& skipped);

// One import, as both front ends do it: every file is read first (progress: which file, and
// read_trace's bytes), the same rank of one job twice is refused, and only then is each saved as
// a session under one tag. Throws ImportError or ImportCancelled (nothing saved) or
// store::StoreError. `name`: the sessions' name ("" for the file names; " rank N" added for
// several files); `rank`: for a single file that names none.
struct ImportBatch {
    std::vector<ImportedTrace> traces;
    std::vector<int64_t> ids;  // one per trace
    std::string tag;
};
using BatchProgress = std::function<void(size_t file, size_t files, uint64_t done, uint64_t total)>;
ImportBatch import_traces(const std::vector<std::string>& files, const std::string& db, const std::string& name = {},
                          int rank = -1, const BatchProgress& progress = {}, const std::atomic<bool>* cancel = nullptr);

// "import-YYYYMMDD-HHMMSS" for now (UTC).
std::string import_tag();
// import_tag(), or with "-2", "-3", ... after it when sessions of the file `db` already carry it
// (two imports in the same second), so that one tag always means one import.
std::string unused_import_tag(const std::string& db);

// Saves `t` into the session file `db`; returns the new session id. Throws store::StoreError.
int64_t save_imported(const std::string& db, const ImportedTrace& t, const std::string& name, const std::string& tag);

}  // namespace batchscope::trace_import
