#pragma once
// A bounded store of the most recent events: the controller appends what it drains from the
// tracers (host and GPU); the oldest events leave when it is full (they are the session
// store's business) and are counted. Single owner (one writer thread): not synchronised.
//
// Events live in fixed-size chunks that are never rewritten once a window shares them, so
// window() hands readers on other threads (the GUI, through the run snapshot) the newest events
// at the cost of a few pointer copies: a window only reads items written before it was taken,
// and the writer only writes items after them or in chunks of its own.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "batchscope/profiler/event.h"

namespace batchscope::profiler {

struct EventChunk {
    explicit EventChunk(size_t n) : items(n) {}
    std::vector<Event> items;  // sized once, never resized
};

// An immutable view of consecutive events, oldest first (by append order). Cheap to copy;
// keeps its chunks alive after the store has moved on.
class EventWindow {
public:
    struct Piece {
        std::shared_ptr<const EventChunk> chunk;
        size_t begin = 0, end = 0;
    };

    size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // Append order number of the first event of the window (0 = the run's first event) and
    // one past the last: a reader that keeps end_sequence() asks only for what is new next time.
    uint64_t first_sequence() const noexcept { return end_seq_ - size_; }
    uint64_t end_sequence() const noexcept { return end_seq_; }

    template <class F>
    void for_each(F&& f) const {
        for (const Piece& p : pieces_)
            for (size_t i = p.begin; i < p.end; ++i) f(p.chunk->items[i]);
    }
    std::vector<Event> to_vector() const;
    std::vector<Event> since(uint64_t sequence) const;             // those appended at or after it
    std::vector<Event> overlapping(int64_t start_ns, int64_t end_ns) const;

private:
    friend class EventStore;
    std::vector<Piece> pieces_;
    size_t size_ = 0;
    uint64_t end_seq_ = 0;
};

class EventStore {
public:
    explicit EventStore(size_t capacity = 1u << 20);  // 1 Mi events = 32 MiB

    void append(std::span<const Event> events);
    void append(const Event& e);
    void clear() noexcept;

    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return capacity_; }
    uint64_t appended() const noexcept { return appended_; }  // ever
    uint64_t evicted() const noexcept { return evicted_; }    // pushed out by newer events

    // The kept events, oldest (by append order) first.
    std::vector<Event> events() const;
    // Those that overlap [start_ns, end_ns).
    std::vector<Event> overlapping(int64_t start_ns, int64_t end_ns) const;
    // The newest `max_events` (or all kept), shared with the store: no event is copied.
    EventWindow window(size_t max_events) const;

    template <class F>
    void for_each(F&& f) const {
        for (size_t c = 0; c < chunks_.size(); ++c) {
            const size_t b = c == 0 ? head_skip_ : 0;
            const size_t e = c + 1 == chunks_.size() ? tail_used_ : chunk_size_;
            for (size_t i = b; i < e; ++i) f(chunks_[c]->items[i]);
        }
    }

private:
    void evict_one() noexcept;

    size_t capacity_;
    size_t chunk_size_;
    std::deque<std::shared_ptr<EventChunk>> chunks_;
    std::shared_ptr<EventChunk> spare_;  // an evicted chunk no window holds, for reuse
    size_t head_skip_ = 0;               // evicted events at the front of chunks_.front()
    size_t tail_used_ = 0;               // events written in chunks_.back()
    size_t size_ = 0;
    uint64_t appended_ = 0;
    uint64_t evicted_ = 0;
};

}  // namespace batchscope::profiler
