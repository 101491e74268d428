#pragma once
// The GPU plugin's CUPTI collector (BsCuptiCollectorApi) as the profiler's ActivityCollector,
// so a GPU backend chooses its timing with profiler::choose_gpu_timing:
//
//     PluginCuptiCollector cupti(api->cupti);
//     work.gpu_timing = profiler::choose_gpu_timing({&cupti, /*cuda_events=*/true, cfg.no_cupti});
//
// Owns the session it starts (stopped in the destructor). Header-only; no CUDA header.
#include <string>

#include "batchscope/engine/gpu_plugin_abi.h"
#include "batchscope/profiler/gpu_timing.h"

namespace batchscope::engine {

class PluginCuptiCollector final : public profiler::ActivityCollector {
public:
    // `api` may be null (a plugin built without CUPTI): start() then says so.
    explicit PluginCuptiCollector(const BsCuptiCollectorApi* api, uint32_t flush_period_ms = 100)
        : api_(api), flush_ms_(flush_period_ms) {}
    ~PluginCuptiCollector() override {
        if (api_ && session_) api_->stop(session_);
    }
    PluginCuptiCollector(const PluginCuptiCollector&) = delete;
    PluginCuptiCollector& operator=(const PluginCuptiCollector&) = delete;

    bool start(std::string& why) override {
        if (session_) return true;
        if (!api_ || !api_->start) {
            why = "the GPU plugin has no CUPTI collector";
            return false;
        }
        char buf[512] = {0};
        session_ = api_->start(flush_ms_, buf, sizeof buf);
        if (!session_) why = buf[0] ? buf : "CUPTI did not start and the plugin gave no reason";
        return session_ != nullptr;
    }

    BsCuptiSession* session() const noexcept { return session_; }  // null unless started

private:
    const BsCuptiCollectorApi* api_;
    uint32_t flush_ms_;
    BsCuptiSession* session_ = nullptr;
};

}  // namespace batchscope::engine
