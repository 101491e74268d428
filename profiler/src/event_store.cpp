#include "batchscope/profiler/event_store.h"

namespace batchscope::profiler {

EventStore::EventStore(size_t capacity) : ring_(capacity < 1 ? 1 : capacity) {}

void EventStore::append(std::span<const Event> events) {
    const size_t cap = ring_.size();
    appended_ += events.size();
    if (events.size() >= cap) {  // only the newest `cap` survive
        evicted_ += size_ + (events.size() - cap);
        events = events.subspan(events.size() - cap);
        first_ = 0;
        size_ = 0;
    }
    for (const Event& e : events) {
        if (size_ == cap) {
            ring_[first_] = e;
            first_ = (first_ + 1) % cap;
            ++evicted_;
        } else {
            ring_[(first_ + size_) % cap] = e;
            ++size_;
        }
    }
}

void EventStore::clear() noexcept {
    first_ = 0;
    size_ = 0;
}

std::vector<Event> EventStore::events() const {
    std::vector<Event> out;
    out.reserve(size_);
    for_each([&](const Event& e) { out.push_back(e); });
    return out;
}

std::vector<Event> EventStore::overlapping(int64_t start_ns, int64_t end_ns) const {
    std::vector<Event> out;
    for_each([&](const Event& e) {
        if (e.end_ns > start_ns && e.start_ns < end_ns) out.push_back(e);
    });
    return out;
}

}  // namespace batchscope::profiler
