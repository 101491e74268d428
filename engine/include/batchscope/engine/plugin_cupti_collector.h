#pragma once
// The GPU plugin's CUPTI collector (BsCuptiCollectorApi) as the profiler's ActivityCollector,
// so a GPU backend chooses its timing with profiler::choose_gpu_timing:
//
//     PluginCuptiCollector cupti(api->cupti);
//     work.gpu_timing = profiler::choose_gpu_timing({&cupti, /*cuda_events=*/true, cfg.no_cupti});
//
// then tags GPU work with push/pop, drains the records as profiler::GpuActivity and reads the
// counters. Owns the session it starts (stopped in the destructor). No CUDA header.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/profiler/event.h"
#include "batchscope/profiler/gpu_activity.h"
#include "batchscope/profiler/gpu_timing.h"

namespace batchscope::engine {

// One record from the plugin as the profiler keeps it; `name` is what the plugin's name() gives
// for its name_id. False (out untouched) for a kind or copy kind this program does not know (a
// newer plugin): the caller counts it.
bool to_gpu_activity(const BsGpuActivity& in, std::string name, profiler::GpuActivity& out);

class PluginCuptiCollector final : public profiler::ActivityCollector {
public:
    // `api` may be null (a plugin built without CUPTI): start() then says so.
    explicit PluginCuptiCollector(const BsCuptiCollectorApi* api, uint32_t flush_period_ms = 100)
        : api_(api), flush_ms_(flush_period_ms) {}
    ~PluginCuptiCollector() override;
    PluginCuptiCollector(const PluginCuptiCollector&) = delete;
    PluginCuptiCollector& operator=(const PluginCuptiCollector&) = delete;

    bool start(std::string& why) override;
    BsCuptiSession* session() const noexcept { return session_; }  // null unless started

    // Tags the GPU work this thread launches next with `id` (>= 0) and `phase`, until pop().
    // False when not started or the plugin refused (counted in tag_errors()).
    bool push(int64_t id, profiler::Phase phase) noexcept;
    void pop() noexcept;
    // Asks the plugin to hand over CUPTI's buffers; forced also the ones still being filled
    // (the end of a run, an epoch). Returns the CUPTI result (0 = success).
    int32_t flush(bool forced) noexcept;
    // Appends every record ready now; returns how many. Kinds this program does not know are
    // counted in unknown_records().
    size_t drain(std::vector<profiler::GpuActivity>& out);
    BsCuptiStats stats() const noexcept;  // zeros unless started

    uint64_t tag_errors() const noexcept { return tag_errors_; }
    uint64_t unknown_records() const noexcept { return unknown_; }

private:
    const std::string& name_of(uint32_t name_id);

    const BsCuptiCollectorApi* api_;
    uint32_t flush_ms_;
    BsCuptiSession* session_ = nullptr;
    std::vector<BsGpuActivity> buf_;
    std::unordered_map<uint32_t, std::string> names_;
    uint64_t tag_errors_ = 0, unknown_ = 0;
};

}  // namespace batchscope::engine
