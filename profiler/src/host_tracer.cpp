#include "batchscope/profiler/host_tracer.h"

#include <memory>
#include <vector>

namespace batchscope::profiler {

// Single-producer (the owning thread) / single-consumer (drain) ring. Shared by the tracer and
// the thread that writes to it, so that either may go first: when the thread ends (or forgets the
// ring) it marks the ring retired, and drain() frees it once its events are out. Threads come and
// go (a loader's workers live for one epoch), so rings must not outlive them.
struct HostTracer::Ring {
    explicit Ring(size_t capacity) : slots(capacity) {}
    std::vector<Event> slots;
    alignas(64) std::atomic<uint64_t> head{0};  // written by the producer
    alignas(64) std::atomic<uint64_t> tail{0};  // written by the consumer
    alignas(64) std::atomic<uint64_t> dropped{0};
    std::atomic<bool> retired{false};      // the producer will never write again
    std::atomic<bool> tracer_gone{false};  // the tracer is destroyed: the producer may forget it
};

namespace {
std::atomic<uint64_t> g_next_generation{1};

// The rings this thread writes to, one per tracer it has recorded into (newest first). Its
// destructor (the thread's end) retires them.
struct ThreadRings {
    struct Entry {
        uint64_t generation = 0;
        void* ring = nullptr;              // the HostTracer::Ring, for the hot path
        std::shared_ptr<void> keep;        // keeps it alive until both sides are done
        std::atomic<bool>* retired = nullptr;
        std::atomic<bool>* tracer_gone = nullptr;
    };
    static constexpr size_t kSize = 8;
    Entry entries[kSize];

    static void retire(Entry& e) noexcept {
        if (e.retired) e.retired->store(true, std::memory_order_release);
        e = Entry{};
    }
    ~ThreadRings() {
        for (Entry& e : entries) retire(e);
    }
};
thread_local ThreadRings t_rings;
}  // namespace

HostTracer::HostTracer(size_t per_thread_capacity)
    : capacity_(per_thread_capacity < 16 ? 16 : per_thread_capacity),
      generation_(g_next_generation.fetch_add(1)) {
    if (detail::g_tsc_state.load(std::memory_order_acquire) == 0) detail::tsc_clock_init();  // ~5 ms, once
}

HostTracer::~HostTracer() {
    std::lock_guard lock(rings_mutex_);
    for (auto& r : rings_) r->tracer_gone.store(true, std::memory_order_relaxed);
}

HostTracer::Ring* HostTracer::ring_for_this_thread() {
    ThreadRings& tr = t_rings;
    for (const ThreadRings::Entry& c : tr.entries)
        if (c.generation == generation_) return static_cast<Ring*>(c.ring);
    auto ring = std::make_shared<Ring>(capacity_);
    {
        std::lock_guard lock(rings_mutex_);
        rings_.push_back(ring);
    }
    // Rings of destroyed tracers are forgotten first; else the oldest entry is retired.
    size_t slot = ThreadRings::kSize - 1;
    for (size_t i = 0; i < ThreadRings::kSize; ++i)
        if (!tr.entries[i].ring || tr.entries[i].tracer_gone->load(std::memory_order_relaxed)) {
            slot = i;
            break;
        }
    ThreadRings::retire(tr.entries[slot]);
    for (size_t i = slot; i > 0; --i) tr.entries[i] = std::move(tr.entries[i - 1]);
    tr.entries[0] = {generation_, ring.get(), ring, &ring->retired, &ring->tracer_gone};
    return ring.get();
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
    std::vector<Ring*> rings;  // only drain() removes rings, and it holds drain_mutex_
    {
        std::lock_guard lock(rings_mutex_);
        rings.reserve(rings_.size());
        for (auto& r : rings_) rings.push_back(r.get());
    }
    size_t n = 0;
    bool any_retired = false;
    for (Ring*& r : rings) {
        // Read before the head: a ring retired by then has all its events published.
        const bool retired = r->retired.load(std::memory_order_acquire);
        const uint64_t t = r->tail.load(std::memory_order_relaxed);
        const uint64_t h = r->head.load(std::memory_order_acquire);
        for (uint64_t i = t; i < h; ++i) out.push_back(r->slots[i % r->slots.size()]);
        r->tail.store(h, std::memory_order_release);
        n += static_cast<size_t>(h - t);
        any_retired |= retired;
        if (!retired) r = nullptr;  // kept
    }
    if (any_retired) {  // drained for good: freed, their drop counts kept
        std::lock_guard lock(rings_mutex_);
        for (Ring* r : rings) {
            if (!r) continue;
            retired_dropped_ += r->dropped.load(std::memory_order_relaxed);
            std::erase_if(rings_, [r](const std::shared_ptr<Ring>& x) { return x.get() == r; });
        }
    }
    return n;
}

uint64_t HostTracer::dropped() const noexcept {
    std::lock_guard lock(rings_mutex_);
    uint64_t d = retired_dropped_;
    for (const auto& r : rings_) d += r->dropped.load(std::memory_order_relaxed);
    return d;
}

size_t HostTracer::thread_count() const {
    std::lock_guard lock(rings_mutex_);
    return rings_.size();
}

}  // namespace batchscope::profiler
