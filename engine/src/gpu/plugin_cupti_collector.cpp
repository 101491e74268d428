#include "batchscope/engine/plugin_cupti_collector.h"

#include <algorithm>
#include <cstring>

namespace batchscope::engine {

bool to_gpu_activity(const BsGpuActivity& in, std::string name, profiler::GpuActivity& out) {
    if (in.kind > BS_GPU_ACTIVITY_OVERHEAD || in.copy_kind > BS_GPU_COPY_PTOP) return false;
    profiler::GpuActivity a;
    a.start_ns = in.start_ns;
    a.end_ns = in.end_ns;
    const bool joined = (in.flags & BS_GPU_ACTIVITY_FLAG_HAS_EXTERNAL) != 0 && in.external_id >= 0;
    a.id = joined ? in.external_id : -1;
    a.bytes = in.bytes;
    a.correlation_id = in.correlation_id;
    a.stream_id = in.stream_id;
    a.device_id = in.device_id;
    a.kind = static_cast<profiler::GpuActivityKind>(in.kind);
    a.direction = in.kind == BS_GPU_ACTIVITY_MEMCPY ? static_cast<profiler::CopyDirection>(in.copy_kind)
                                                     : profiler::CopyDirection::Unknown;
    a.pinned = (in.flags & BS_GPU_ACTIVITY_FLAG_PINNED) != 0;
    a.has_phase = joined && in.phase < profiler::kPhaseCount;
    a.phase = a.has_phase ? static_cast<profiler::Phase>(in.phase) : profiler::Phase::Host;
    a.name = std::move(name);
    out = std::move(a);
    return true;
}

PluginCuptiCollector::~PluginCuptiCollector() {
    if (api_ && session_) api_->stop(session_);
}

bool PluginCuptiCollector::start(std::string& why) {
    if (session_) return true;
    if (!api_ || !api_->start) {
        why = "the GPU plugin has no CUPTI collector";
        return false;
    }
    if (!BS_GPU_ABI_HAS_FIELD(BsCuptiCollectorApi, stats, api_->struct_size) || !api_->stop || !api_->flush ||
        !api_->push_external_id || !api_->pop_external_id || !api_->drain || !api_->name || !api_->stats) {
        why = "the GPU plugin's CUPTI collector table is incomplete (" + std::to_string(api_->struct_size) +
              " bytes): rebuild the plugin";
        return false;
    }
    char buf[512] = {0};
    session_ = api_->start(flush_ms_, buf, sizeof buf);
    if (!session_) why = buf[0] ? buf : "CUPTI did not start and the plugin gave no reason";
    return session_ != nullptr;
}

bool PluginCuptiCollector::push(int64_t id, profiler::Phase phase) noexcept {
    if (!session_) return false;
    if (api_->push_external_id(session_, id, static_cast<uint8_t>(phase)) == 0) return true;
    ++tag_errors_;
    return false;
}

void PluginCuptiCollector::pop() noexcept {
    if (session_ && api_->pop_external_id(session_) != 0) ++tag_errors_;
}

int32_t PluginCuptiCollector::flush(bool forced) noexcept {
    return session_ ? api_->flush(session_, forced ? 1 : 0) : 0;
}

const std::string& PluginCuptiCollector::name_of(uint32_t name_id) {
    auto it = names_.find(name_id);
    if (it != names_.end()) return it->second;
    std::string n(api_->name(session_, name_id, nullptr, 0), '\0');
    if (!n.empty()) api_->name(session_, name_id, n.data(), static_cast<uint32_t>(n.size() + 1));
    return names_.emplace(name_id, std::move(n)).first->second;
}

size_t PluginCuptiCollector::drain(std::vector<profiler::GpuActivity>& out) {
    if (!session_) return 0;
    constexpr uint32_t kChunk = 4096;
    buf_.resize(kChunk);
    size_t total = 0;
    for (;;) {
        const uint32_t n = std::min(api_->drain(session_, buf_.data(), kChunk), kChunk);
        for (uint32_t i = 0; i < n; ++i) {
            profiler::GpuActivity a;
            if (to_gpu_activity(buf_[i], name_of(buf_[i].name_id), a)) {
                out.push_back(std::move(a));
                ++total;
            } else {
                ++unknown_;
            }
        }
        if (n < kChunk) break;
    }
    return total;
}

BsCuptiStats PluginCuptiCollector::stats() const noexcept {
    BsCuptiStats s{};
    s.struct_size = sizeof s;
    if (session_) api_->stats(session_, &s);
    return s;
}

}  // namespace batchscope::engine
