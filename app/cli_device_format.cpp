#include "cli_device_format.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace batchscope::cli {
namespace {

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

// The GPU side at the end of a run: memory, CUPTI's counts, the top kernels and the copies.
void print_device(const engine::DeviceView& d) {
    std::printf("device %s: %.0f MiB free of %.0f MiB, this run holds %.2f MiB; CUPTI records %llu, dropped %llu%s\n",
                d.name.c_str(), mib(d.memory_free), mib(d.memory_total), mib(d.memory_run),
                static_cast<unsigned long long>(d.cupti_records), static_cast<unsigned long long>(d.cupti_dropped),
                d.cupti_dropped ? " (the GPU trace is incomplete)" : "");
    if (d.cupti_records > 0)
        std::printf("  records left out: %llu with bad timestamps, %llu without an iteration id; device time "
                    "inside iterations not attributed: %.3f ms (%.2f%%)\n",
                    static_cast<unsigned long long>(d.cupti_bad_timestamps),
                    static_cast<unsigned long long>(d.cupti_unjoined), static_cast<double>(d.device_unattributed_ns) / 1e6,
                    100.0 * d.unattributed_share());
    if (const std::string note = engine::unattributed_note(d); !note.empty()) std::printf("  note: %s\n", note.c_str());
    if (d.host_staging_bytes > 0)  // training: batches copied into the model's page-locked slots on the host
        std::printf("  batches copied on the host before their upload: %.2f MiB (pageable batches: "
                    "--no-pinned-memory, or 8-bit batches on a model without a device collate)\n",
                    mib(d.host_staging_bytes));
    for (size_t i = 0; i < std::min<size_t>(d.kernels.size(), 5); ++i) {
        const auto& k = d.kernels[i];
        std::printf("  kernel %-40.40s %8lld calls  total %9.3f ms  mean %8.1f us  max %8.1f us\n", k.name.c_str(),
                    static_cast<long long>(k.calls), static_cast<double>(k.total_ns) / 1e6, k.mean_ns() / 1e3,
                    static_cast<double>(k.max_ns) / 1e3);
    }
    for (const auto& c : d.copies)
        std::printf("  copy %s %s: %lld calls, %.2f MiB, %.3f ms, %.2f GB/s\n",
                    std::string(profiler::copy_direction_name(c.direction)).c_str(), c.pinned ? "pinned" : "pageable",
                    static_cast<long long>(c.calls), mib(static_cast<int64_t>(c.bytes)),
                    static_cast<double>(c.total_ns) / 1e6, c.gb_per_s());
}

nlohmann::json device_json(const engine::DeviceView& d) {
    nlohmann::json j = {{"name", d.name},
                        {"memory_free_bytes", d.memory_free},
                        {"memory_total_bytes", d.memory_total},
                        {"memory_run_bytes", d.memory_run},
                        {"cupti_records", d.cupti_records},
                        {"cupti_dropped", d.cupti_dropped},
                        {"cupti_bad_timestamps", d.cupti_bad_timestamps},
                        {"cupti_unjoined", d.cupti_unjoined},
                        {"device_attributed_ns", d.device_attributed_ns},
                        {"device_unattributed_ns", d.device_unattributed_ns},
                        {"host_staging_bytes", d.host_staging_bytes},
                        {"kernels", nlohmann::json::array()},
                        {"copies", nlohmann::json::array()}};
    for (const auto& k : d.kernels)
        j["kernels"].push_back({{"name", k.name}, {"calls", k.calls}, {"total_ns", k.total_ns}, {"max_ns", k.max_ns}});
    for (const auto& c : d.copies)
        j["copies"].push_back({{"direction", std::string(profiler::copy_direction_name(c.direction))},
                               {"pinned", c.pinned},
                               {"calls", c.calls},
                               {"bytes", c.bytes},
                               {"total_ns", c.total_ns},
                               {"gb_per_s", c.gb_per_s()}});
    return j;
}

}  // namespace batchscope::cli
