#pragma once
// Sub-commands of batchscope-cli. Each registers its options on `app` and returns the
// function that runs it (its result is the process exit code).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace batchscope::cli {

using Runner = std::function<int()>;

// Exit codes: 0 success, 1 the run failed (bad data, out of memory, ...), 2 bad command line.
inline constexpr int kExitOk = 0, kExitRunFailed = 1, kExitUsage = 2;

// Seeds are unsigned 64-bit: "-1" would wrap to 2^64-1 without a word.
inline const CLI::Validator kSeedCheck(
    [](std::string& v) { return !v.empty() && v[0] == '-' ? "a seed is 0 or more, not " + v : std::string(); }, "SEED");

Runner add_train_command(CLI::App& app);
Runner add_devices_command(CLI::App& app);
Runner add_make_imagefolder_command(CLI::App& app);
Runner add_sessions_command(CLI::App& app);
Runner add_infer_command(CLI::App& app);
Runner add_sweep_command(CLI::App& app);
Runner add_presets_command(CLI::App& app);
Runner add_import_trace_command(CLI::App& app);

}  // namespace batchscope::cli
