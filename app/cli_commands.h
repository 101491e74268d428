#pragma once
// Sub-commands of batchscope-cli. Each registers its options on `app` and returns the
// function that runs it (its result is the process exit code).
#include <CLI/CLI.hpp>

#include <functional>

namespace batchscope::cli {

using Runner = std::function<int()>;

// Exit codes: 0 success, 1 the run failed (bad data, out of memory, ...), 2 bad command line.
inline constexpr int kExitOk = 0, kExitRunFailed = 1, kExitUsage = 2;

Runner add_train_command(CLI::App& app);
Runner add_devices_command(CLI::App& app);
Runner add_make_imagefolder_command(CLI::App& app);
Runner add_sessions_command(CLI::App& app);
Runner add_infer_command(CLI::App& app);
Runner add_sweep_command(CLI::App& app);
Runner add_presets_command(CLI::App& app);
Runner add_import_trace_command(CLI::App& app);

}  // namespace batchscope::cli
