#pragma once
// `batchscope-cli train --trace-json FILE --csv FILE --summary FILE`: the run's Chrome trace
// (Perfetto, chrome://tracing), a CSV row per iteration and a Markdown summary with the
// verdict, written when the run ends.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "batchscope/engine/run_sink.h"
#include "batchscope/engine/train_config.h"
#include "batchscope/store/session_store.h"

namespace batchscope::cli {

struct ExportOptions {
    std::string trace_json;
    std::string csv;
    std::string summary;
    bool any() const noexcept { return !trace_json.empty() || !csv.empty() || !summary.empty(); }
    // Up front: "FILE: why" for each output file that cannot be written (empty when all can).
    std::vector<std::string> unwritable() const;
    // Filled when the run ends: "FILE: why" for each file that could not be written (it was then
    // left as it was, or not created). Shared by the copies of these options.
    std::shared_ptr<std::vector<std::string>> failures = std::make_shared<std::vector<std::string>>();
};

std::shared_ptr<ExportOptions> add_export_options(CLI::App& cmd);

// A sink that records what the exports need, forwards everything to `inner` (may be null) and
// writes the files when the run ends. Returns `inner` itself when no export was asked for.
std::shared_ptr<engine::RunSink> export_sink(const ExportOptions& opts, const engine::TrainConfig& cfg,
                                             std::shared_ptr<engine::RunSink> inner);

}  // namespace batchscope::cli
