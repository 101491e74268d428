#include "batchscope/engine/batch_loader.h"

#include <algorithm>

#include "batchscope/engine/train_config.h"
#include "batchscope/profiler/host_tracer.h"

namespace batchscope::engine {
namespace {
// Claimed-but-unconsumed batches never exceed the largest prefetch depth (or 1), so a ring of
// this many slots indexed by seq never collides.
constexpr size_t kSlots = KnobLimits::kMaxPrefetch + 2;
}  // namespace

BatchLoader::BatchLoader(const ImageDataset& data, std::span<const uint32_t> order, int64_t start_pos,
                         LoaderOptions opts, profiler::HostTracer* tracer, int64_t first_batch_id)
    : data_(data),
      order_(order),
      start_pos_(std::clamp<int64_t>(start_pos, 0, static_cast<int64_t>(order.size()))),
      opts_(opts),
      tracer_(tracer),
      first_batch_id_(first_batch_id),
      slots_(kSlots) {
    opts_.batch_size = std::max(1, opts_.batch_size);
    opts_.workers = std::clamp(opts_.workers, 0, KnobLimits::kMaxWorkers);
    opts_.prefetch_depth = std::clamp(opts_.prefetch_depth, 0, KnobLimits::kMaxPrefetch);
    const int64_t remaining = static_cast<int64_t>(order_.size()) - start_pos_;
    total_batches_ = opts_.drop_last ? remaining / opts_.batch_size
                                     : (remaining + opts_.batch_size - 1) / opts_.batch_size;
    free_.reserve(kSlots + KnobLimits::kMaxWorkers + 4);
    threads_.reserve(static_cast<size_t>(opts_.workers));
    for (int i = 0; i < opts_.workers; ++i) threads_.emplace_back([this, i] { worker_main(i); });
}

BatchLoader::~BatchLoader() {
    {
        std::lock_guard lock(m_);
        stop_ = true;
    }
    cv_work_.notify_all();
    cv_ready_.notify_all();
    for (auto& t : threads_) t.join();
}

bool BatchLoader::may_claim_locked() const {
    if (next_claim_ >= total_batches_) return false;
    const int window = std::max(opts_.prefetch_depth, consumer_waiting_ ? 1 : 0);
    return next_claim_ < next_consume_ + window;
}

std::unique_ptr<Batch> BatchLoader::take_buffer_locked() {
    if (free_.empty()) return std::make_unique<Batch>();
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
}

void BatchLoader::build(int64_t seq, Batch& b, int lane_index) {
    profiler::Event ev;
    ev.start_ns = profiler::now_ns();
    const int64_t first = start_pos_ + seq * opts_.batch_size;
    const int64_t n = std::min<int64_t>(opts_.batch_size, static_cast<int64_t>(order_.size()) - first);
    const int64_t f = data_.features();
    b.seq = seq;
    b.id = first_batch_id_ + seq;
    b.size = static_cast<int>(n);
    b.x.resize(static_cast<size_t>(n * f));
    b.y.resize(static_cast<size_t>(n));
    constexpr float kScale = 1.0f / 255.0f;
    for (int64_t i = 0; i < n; ++i) {
        const uint32_t idx = order_[static_cast<size_t>(first + i)];
        const uint8_t* src = data_.image(idx);
        float* dst = b.x.data() + i * f;
        for (int64_t j = 0; j < f; ++j) dst[j] = static_cast<float>(src[j]) * kScale;
        b.y[static_cast<size_t>(i)] = data_.labels[idx];
    }
    ev.end_ns = profiler::now_ns();
    busy_ns_.fetch_add(ev.end_ns - ev.start_ns, std::memory_order_relaxed);
    if (tracer_) {
        ev.phase = profiler::Phase::Load;
        ev.lane = lane_index < 0 ? profiler::Lane{profiler::LaneKind::Controller, 0}
                                 : profiler::Lane{profiler::LaneKind::LoaderWorker, static_cast<uint8_t>(lane_index)};
        ev.id = b.id;
        ev.bytes = static_cast<uint32_t>(n * f);
        tracer_->record(ev);
    }
}

void BatchLoader::worker_main(int index) {
    std::unique_lock lock(m_);
    for (;;) {
        cv_work_.wait(lock, [&] { return stop_ || may_claim_locked() || next_claim_ >= total_batches_; });
        if (stop_ || next_claim_ >= total_batches_) return;
        const int64_t seq = next_claim_++;
        auto buf = take_buffer_locked();
        lock.unlock();
        build(seq, *buf, index);
        lock.lock();
        slots_[static_cast<size_t>(seq) % kSlots] = std::move(buf);
        ++ready_;
        if (seq == next_consume_) cv_ready_.notify_one();
    }
}

std::unique_ptr<Batch> BatchLoader::next() {
    if (opts_.workers == 0) {
        std::unique_lock lock(m_);
        if (next_consume_ >= total_batches_) return nullptr;
        const int64_t seq = next_consume_++;
        auto buf = take_buffer_locked();
        lock.unlock();
        build(seq, *buf, -1);
        consumed_samples_ += buf->size;
        return buf;
    }
    std::unique_lock lock(m_);
    if (next_consume_ >= total_batches_) return nullptr;
    auto& slot = slots_[static_cast<size_t>(next_consume_) % kSlots];
    if (!slot) {
        consumer_waiting_ = true;
        if (opts_.prefetch_depth == 0) cv_work_.notify_one();  // the window just opened
        cv_ready_.wait(lock, [&] { return stop_ || slot != nullptr; });
        consumer_waiting_ = false;
        if (!slot) return nullptr;  // stopping
    }
    auto b = std::move(slot);
    --ready_;
    ++next_consume_;
    consumed_samples_ += b->size;
    lock.unlock();
    cv_work_.notify_all();
    return b;
}

void BatchLoader::recycle(std::unique_ptr<Batch> b) {
    if (!b) return;
    std::lock_guard lock(m_);
    if (free_.size() < free_.capacity()) free_.push_back(std::move(b));
}

void BatchLoader::set_prefetch_depth(int depth) {
    {
        std::lock_guard lock(m_);
        opts_.prefetch_depth = std::clamp(depth, 0, KnobLimits::kMaxPrefetch);
    }
    cv_work_.notify_all();
}

int BatchLoader::prefetch_depth() const {
    std::lock_guard lock(m_);
    return opts_.prefetch_depth;
}

int BatchLoader::ready_count() const {
    std::lock_guard lock(m_);
    return ready_;
}

}  // namespace batchscope::engine
