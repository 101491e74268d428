#include <iostream>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/mlp.h"
#include "cli_commands.h"

namespace batchscope::cli {

Runner add_devices_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("devices", "Show the compute devices Batchscope can use, and why a GPU cannot");
    return [cmd] {
        (void)cmd;
        const auto gpu = engine::probe_gpu();
        std::cout << "cpu: " << engine::blas_description() << "\n";
        std::cout << (gpu.usable ? "gpu: " : "gpu: unavailable: ") << (gpu.usable ? gpu.summary() : gpu.reason)
                  << "\n";
        if (!gpu.plugin_path.empty()) std::cout << "gpu plugin: " << gpu.plugin_path << "\n";
        return kExitOk;
    };
}

}  // namespace batchscope::cli
