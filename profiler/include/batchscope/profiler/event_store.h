#pragma once
// A bounded store of the most recent events: the controller appends what it drains from the
// tracers (host and GPU); the oldest events leave when it is full (they are the session
// store's business) and are counted. Single owner: not synchronised; copy out to share.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

class EventStore {
public:
    explicit EventStore(size_t capacity = 1u << 20);  // 1 Mi events = 32 MiB

    void append(std::span<const Event> events);
    void append(const Event& e) { append(std::span<const Event>(&e, 1)); }
    void clear() noexcept;

    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return ring_.size(); }
    uint64_t appended() const noexcept { return appended_; }  // ever
    uint64_t evicted() const noexcept { return evicted_; }    // pushed out by newer events

    // The kept events, oldest (by append order) first.
    std::vector<Event> events() const;
    // Those that overlap [start_ns, end_ns).
    std::vector<Event> overlapping(int64_t start_ns, int64_t end_ns) const;

    template <class F>
    void for_each(F&& f) const {
        const size_t cap = ring_.size();
        for (size_t i = 0; i < size_; ++i) f(ring_[(first_ + i) % cap]);
    }

private:
    std::vector<Event> ring_;
    size_t first_ = 0;  // index of the oldest
    size_t size_ = 0;
    uint64_t appended_ = 0;
    uint64_t evicted_ = 0;
};

}  // namespace batchscope::profiler
