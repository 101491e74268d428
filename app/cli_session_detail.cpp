// `sessions show ID --kernels / --copies`: the kernel and copy tables of a saved session, built
// from its stored events (analysis/session_detail.h), as the dashboard's session detail shows them.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "batchscope/analysis/session_detail.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/store/session_store.h"
#include "cli_session_format.h"

namespace batchscope::cli {

namespace {
// "pinned", "pageable", or "-" for copies between device memories.
const char* host_memory(const profiler::CopyRow& c) {
    if (c.direction == profiler::CopyDirection::DtoD || c.direction == profiler::CopyDirection::PtoP) return "-";
    return c.pinned ? "pinned" : "pageable";
}
}  // namespace

void print_session_tables(store::SessionStore& s, int64_t id, bool kernels, bool copies, bool json, int top) {
    const analysis::SessionDetail d = analysis::session_detail(s, id);
    const auto share = [&](int64_t ns) {
        return d.kernel_total_ns > 0 ? static_cast<double>(ns) / static_cast<double>(d.kernel_total_ns) : 0.0;
    };
    const size_t limit = top > 0 ? static_cast<size_t>(top) : SIZE_MAX;
    if (json) {
        nlohmann::json j = {{"id", id}, {"scope", d.scope}};
        if (!d.tables_note.empty()) j["note"] = d.tables_note;
        if (kernels) {
            j["kernels"] = nlohmann::json::array();
            for (size_t i = 0; i < d.kernels.size() && i < limit; ++i) {
                const auto& k = d.kernels[i];
                j["kernels"].push_back({{"name", k.name}, {"calls", k.calls}, {"total_ns", k.total_ns},
                                        {"mean_ns", k.mean_ns()}, {"max_ns", k.max_ns}, {"share", share(k.total_ns)}});
            }
        }
        if (copies) {
            j["copies"] = nlohmann::json::array();
            for (const auto& c : d.copies)
                j["copies"].push_back({{"direction", std::string(profiler::copy_direction_name(c.direction))},
                                       {"host_memory", host_memory(c)}, {"calls", c.calls},
                                       {"bytes", c.bytes}, {"total_ns", c.total_ns}, {"gb_per_s", c.gb_per_s()}});
        }
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("session %lld: %s\n", static_cast<long long>(id), d.scope.c_str());
    if (!d.tables_note.empty()) std::printf("  %s\n", d.tables_note.c_str());
    if (kernels && !d.kernels.empty()) {
        std::printf("\nkernels (%zu names, %.3f ms of kernel time):\n", d.kernels.size(),
                    static_cast<double>(d.kernel_total_ns) / 1e6);
        std::printf("  %-60s %8s %11s %10s %10s %7s\n", "name", "calls", "total ms", "mean us", "max us", "share");
        for (size_t i = 0; i < d.kernels.size() && i < limit; ++i) {
            const auto& k = d.kernels[i];
            std::string name = k.name.size() > 60 ? k.name.substr(0, 57) + "..." : k.name;
            std::printf("  %-60s %8lld %11.3f %10.1f %10.1f %6.1f%%\n", name.c_str(), static_cast<long long>(k.calls),
                        static_cast<double>(k.total_ns) / 1e6, k.mean_ns() / 1e3, static_cast<double>(k.max_ns) / 1e3,
                        100.0 * share(k.total_ns));
        }
        if (d.kernels.size() > limit) std::printf("  ... %zu more (--top 0 for all)\n", d.kernels.size() - limit);
    }
    if (copies && !d.copies.empty()) {
        std::printf("\ncopies:\n");
        std::printf("  %-9s %-11s %8s %12s %11s %9s\n", "direction", "host memory", "calls", "MiB", "total ms", "GB/s");
        for (const auto& c : d.copies)
            std::printf("  %-9s %-11s %8lld %12.3f %11.3f %9.3f\n",
                        std::string(profiler::copy_direction_name(c.direction)).c_str(), host_memory(c),
                        static_cast<long long>(c.calls), static_cast<double>(c.bytes) / (1024.0 * 1024.0),
                        static_cast<double>(c.total_ns) / 1e6, c.gb_per_s());
    }
    for (const std::string& n : d.notes) std::fprintf(stderr, "batchscope-cli sessions: %s\n", n.c_str());
}

}  // namespace batchscope::cli
