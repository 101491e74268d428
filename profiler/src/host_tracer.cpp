#include "batchscope/profiler/host_tracer.h"

namespace batchscope::profiler {

// Single-producer (the owning thread) / single-consumer (drain) ring.
struct HostTracer::Ring {
    explicit Ring(size_t capacity) : slots(capacity) {}
    std::vector<Event> slots;
    alignas(64) std::atomic<uint64_t> head{0};  // written by the producer
    alignas(64) std::atomic<uint64_t> tail{0};  // written by the consumer
    alignas(64) std::atomic<uint64_t> dropped{0};
};

namespace {
std::atomic<uint64_t> g_next_generation{1};

// The rings this thread writes to, one per tracer it has recorded into (newest first).
struct CacheEntry {
    uint64_t generation = 0;
    void* ring = nullptr;
};
constexpr size_t kCacheSize = 8;
thread_local CacheEntry t_cache[kCacheSize];
}  // namespace

HostTracer::HostTracer(size_t per_thread_capacity)
    : capacity_(per_thread_capacity < 16 ? 16 : per_thread_capacity),
      generation_(g_next_generation.fetch_add(1)) {
    if (detail::g_tsc_state.load(std::memory_order_acquire) == 0) detail::tsc_clock_init();  // ~5 ms, once
}

HostTracer::~HostTracer() = default;

HostTracer::Ring* HostTracer::ring_for_this_thread() {
    for (const CacheEntry& c : t_cache)
        if (c.generation == generation_) return static_cast<Ring*>(c.ring);
    Ring* ring = nullptr;
    {
        std::lock_guard lock(rings_mutex_);
        rings_.push_back(std::make_unique<Ring>(capacity_));
        ring = rings_.back().get();
    }
    for (size_t i = kCacheSize - 1; i > 0; --i) t_cache[i] = t_cache[i - 1];
    t_cache[0] = {generation_, ring};
    return ring;
}

void HostTracer::record(const Event& e) noexcept {
    if (!enabled()) return;
    Ring* r = ring_for_this_thread();
    const uint64_t h = r->head.load(std::memory_order_relaxed);
    const uint64_t t = r->tail.load(std::memory_order_acquire);
    if (h - t >= r->slots.size()) {
        r->dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    r->slots[h % r->slots.size()] = e;
    r->head.store(h + 1, std::memory_order_release);
}

size_t HostTracer::drain(std::vector<Event>& out) {
    tsc_clock_tick();
    std::lock_guard drain_lock(drain_mutex_);
    std::vector<Ring*> rings;
    {
        std::lock_guard lock(rings_mutex_);
        rings.reserve(rings_.size());
        for (auto& r : rings_) rings.push_back(r.get());
    }
    size_t n = 0;
    for (Ring* r : rings) {
        const uint64_t t = r->tail.load(std::memory_order_relaxed);
        const uint64_t h = r->head.load(std::memory_order_acquire);
        for (uint64_t i = t; i < h; ++i) out.push_back(r->slots[i % r->slots.size()]);
        r->tail.store(h, std::memory_order_release);
        n += static_cast<size_t>(h - t);
    }
    return n;
}

uint64_t HostTracer::dropped() const noexcept {
    std::lock_guard lock(rings_mutex_);
    uint64_t d = 0;
    for (const auto& r : rings_) d += r->dropped.load(std::memory_order_relaxed);
    return d;
}

size_t HostTracer::thread_count() const {
    std::lock_guard lock(rings_mutex_);
    return rings_.size();
}

}  // namespace batchscope::profiler
