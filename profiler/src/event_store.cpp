#include "batchscope/profiler/event_store.h"

#include <algorithm>
#include <atomic>

namespace batchscope::profiler {

namespace {
constexpr size_t kMaxChunk = 4096;  // 128 KiB of events
}

std::vector<Event> EventWindow::to_vector() const {
    std::vector<Event> out;
    out.reserve(size_);
    for_each([&](const Event& e) { out.push_back(e); });
    return out;
}

std::vector<Event> EventWindow::since(uint64_t sequence) const {
    std::vector<Event> out;
    uint64_t seq = first_sequence();
    if (sequence > seq) out.reserve(static_cast<size_t>(end_seq_ - std::min(sequence, end_seq_)));
    for_each([&](const Event& e) {
        if (seq++ >= sequence) out.push_back(e);
    });
    return out;
}

std::vector<Event> EventWindow::overlapping(int64_t start_ns, int64_t end_ns) const {
    std::vector<Event> out;
    for_each([&](const Event& e) {
        if (e.end_ns > start_ns && e.start_ns < end_ns) out.push_back(e);
    });
    return out;
}

EventStore::EventStore(size_t capacity)
    : capacity_(std::max<size_t>(1, capacity)), chunk_size_(std::min(capacity_, kMaxChunk)) {}

void EventStore::evict_one() noexcept {
    --size_;
    ++evicted_;
    if (++head_skip_ == chunk_size_ || size_ == 0) {
        // A chunk no window shares is kept to be written again; one a window holds is left to it.
        if (chunks_.front().use_count() == 1) spare_ = std::move(chunks_.front());
        chunks_.pop_front();
        head_skip_ = 0;
        if (chunks_.empty()) tail_used_ = 0;
    }
}

void EventStore::append(const Event& e) {
    if (chunks_.empty() || tail_used_ == chunk_size_) {
        if (spare_ && spare_.use_count() == 1) {
            // The last window that read it has let go (a release decrement): order its reads
            // before these writes.
            std::atomic_thread_fence(std::memory_order_acquire);
            chunks_.push_back(std::move(spare_));
        } else {
            chunks_.push_back(std::make_shared<EventChunk>(chunk_size_));
        }
        spare_.reset();
        tail_used_ = 0;
    }
    chunks_.back()->items[tail_used_++] = e;
    ++size_;
    ++appended_;
    if (size_ > capacity_) evict_one();
}

void EventStore::append(std::span<const Event> events) {
    if (events.size() > capacity_) {  // only the newest `capacity` can survive
        const size_t skip = events.size() - capacity_;
        appended_ += skip;
        evicted_ += skip;
        events = events.subspan(skip);
    }
    for (const Event& e : events) append(e);
}

void EventStore::clear() noexcept {
    chunks_.clear();
    head_skip_ = 0;
    tail_used_ = 0;
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

EventWindow EventStore::window(size_t max_events) const {
    EventWindow w;
    w.end_seq_ = appended_;
    size_t want = std::min(max_events, size_);
    w.size_ = want;
    // Walk back from the newest chunk, then put the pieces in append order.
    for (size_t c = chunks_.size(); c-- > 0 && want > 0;) {
        const size_t b = c == 0 ? head_skip_ : 0;
        const size_t e = c + 1 == chunks_.size() ? tail_used_ : chunk_size_;
        const size_t take = std::min(want, e - b);
        w.pieces_.push_back({chunks_[c], e - take, e});
        want -= take;
    }
    std::reverse(w.pieces_.begin(), w.pieces_.end());
    return w;
}

}  // namespace batchscope::profiler
