#include "batchscope/engine/verdict_context.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "batchscope/engine/data/storage_profile.h"

namespace batchscope::engine {
namespace {

int machine_cores() { return static_cast<int>(std::thread::hardware_concurrency()); }

// "cuda" (a configuration) or "CUDA, <device>, FP32[, layer stack]" (a live run's backend line).
bool cuda_backend(const std::string& b) { return b.rfind("cuda", 0) == 0 || b.rfind("CUDA", 0) == 0; }

profiler::PipelineContext base(const VerdictSetting& s) {
    profiler::PipelineContext c;
    c.batch_size = s.batch_size;
    c.prefetch_depth = s.prefetch_depth;
    c.workers = s.workers;
    c.max_batch = KnobLimits::kMaxBatch;
    c.max_prefetch = KnobLimits::kMaxPrefetch;
    c.max_workers = KnobLimits::kMaxWorkers;
    c.cpu_cores = s.cpu_cores > 0 ? s.cpu_cores : machine_cores();
    c.gpu = s.gpu;
    c.pinned_host_buffers = s.pinned_memory;
    c.compute_threads = std::max(1, s.compute_threads);
    const data::StorageProfile& p = data::storage_profile(s.storage);
    // Emulated devices wait out their modelled latency; cold reads wait on the real disk.
    c.read_waits = p.emulated || s.storage == data::StorageKind::Cold;
    c.storage_parallelism = p.parallelism;
    c.storage = p.name;
    c.compute_profile = s.compute_profile;
    return c;
}

}  // namespace

VerdictSetting VerdictSetting::of(const TrainConfig& c) {
    VerdictSetting s;
    s.batch_size = c.batch_size;
    s.prefetch_depth = c.prefetch_depth;
    s.workers = c.workers;
    s.storage = c.storage;
    s.compute_threads = c.threads;
    s.gpu = cuda_backend(c.backend);
    s.pinned_memory = c.pinned_memory;
    return s;
}

VerdictSetting VerdictSetting::of_json(const std::string& config_json) {
    VerdictSetting s;
    const auto j = nlohmann::json::parse(config_json, nullptr, false);
    if (!j.is_object()) return s;
    auto integer = [&](knobs::Knob k, int& out) {
        const std::string key(knobs::info(k).config_key);
        if (j.contains(key) && j[key].is_number_integer()) out = j[key].get<int>();
    };
    integer(knobs::Knob::BatchSize, s.batch_size);
    integer(knobs::Knob::PrefetchDepth, s.prefetch_depth);
    integer(knobs::Knob::Workers, s.workers);
    integer(knobs::Knob::Threads, s.compute_threads);
    const std::string storage(knobs::info(knobs::Knob::StorageProfile).config_key);
    if (j.contains(storage) && j[storage].is_string())
        if (auto k = data::parse_storage_kind(j[storage].get<std::string>())) s.storage = *k;
    if (j.contains("backend") && j["backend"].is_string()) s.gpu = cuda_backend(j["backend"].get<std::string>());
    const std::string pinned(knobs::info(knobs::Knob::PinnedMemory).config_key);
    if (j.contains(pinned) && j[pinned].is_boolean()) s.pinned_memory = j[pinned].get<bool>();
    return s;
}

void VerdictSetting::apply(knobs::Knob knob, int64_t value) {
    const int v = static_cast<int>(value);
    if (knob == knobs::Knob::BatchSize) batch_size = v;
    else if (knob == knobs::Knob::PrefetchDepth) prefetch_depth = v;
    else if (knob == knobs::Knob::Workers) workers = v;
    else if (knob == knobs::Knob::StorageProfile && value >= 0 && value < data::kStorageKindCount)
        storage = static_cast<data::StorageKind>(value);
}

void VerdictSetting::apply(std::string_view knob, int64_t value) {
    if (const auto k = knobs::from_name(knob)) apply(*k, value);
}

profiler::PipelineContext verdict_context(const VerdictSetting& s, std::span<const IterationRecord> window) {
    profiler::PipelineContext c = base(s);
    int64_t dry = 0;
    for (const IterationRecord& r : window) {
        if (r.queue_depth == 0) ++dry;
        const BatchTimes& b = r.load;
        if (b.parts.sum() <= 0 && b.end_ns <= b.start_ns) continue;
        ++c.batches_loaded;
        c.loader_busy_ns += std::max<int64_t>(0, b.end_ns - b.start_ns);
        c.read_ns += b.parts.read_ns;
        c.decode_ns += b.parts.decode_ns;
        c.augment_ns += b.parts.augment_ns;
        c.collate_ns += b.parts.collate_ns;
    }
    if (!window.empty()) c.queue_dry_share = static_cast<double>(dry) / static_cast<double>(window.size());
    return c;
}

profiler::PipelineContext verdict_context(const RunSnapshot& s, std::span<const IterationRecord> window) {
    VerdictSetting v;
    v.batch_size = s.batch_size;
    v.prefetch_depth = s.prefetch_depth;
    v.workers = s.workers;
    v.compute_threads = s.threads;
    v.storage = static_cast<data::StorageKind>(std::clamp(s.storage_profile, 0, data::kStorageKindCount - 1));
    v.gpu = cuda_backend(s.backend);
    v.pinned_memory = s.pinned_memory;
    v.compute_profile = s.compute_profile;
    profiler::PipelineContext c = verdict_context(v, window);
    c.activation_bytes = s.memory.activations;
    return c;
}

profiler::PipelineContext verdict_context(const store::SessionInfo& info, std::span<const store::KnobRow> changes,
                                          std::span<const store::IterationRow> window) {
    VerdictSetting s = VerdictSetting::of_json(info.config_json);
    const int64_t end = window.empty() ? INT64_MAX : window.back().iteration;
    for (const store::KnobRow& k : changes)
        if (k.iteration <= end) s.apply(k.knob, k.new_value);
    const auto env = nlohmann::json::parse(info.env_json, nullptr, false);
    if (env.is_object() && env.contains("cores") && env["cores"].is_number_integer()) s.cpu_cores = env["cores"].get<int>();
    profiler::PipelineContext c = base(s);
    int64_t dry = 0;
    for (const store::IterationRow& r : window)
        if (r.queue_depth == 0) ++dry;
    if (!window.empty()) c.queue_dry_share = static_cast<double>(dry) / static_cast<double>(window.size());
    return c;
}

}  // namespace batchscope::engine
