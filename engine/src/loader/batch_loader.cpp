// BatchLoader: the workers, the chunks they claim, the prefetch window and the hand-over to the
// consumer in sampler order. Building a chunk is in batch_build.cpp.
#include "batchscope/engine/loader/batch_loader.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "batch_loader_internal.h"
#include "batchscope/profiler/clock.h"

namespace batchscope::engine {
namespace {
// Batches opened but not consumed never exceed the largest prefetch depth (or 1), so a ring of
// this many slots indexed by seq never collides.
constexpr size_t kSlots = KnobLimits::kMaxPrefetch + 2;
constexpr int64_t kMinChunk = 8;  // samples: smaller chunks cost more in hand-offs than they gain

using profiler::now_ns;

void add(std::atomic<int64_t>& a, int64_t v) { a.fetch_add(v, std::memory_order_relaxed); }
int64_t get(const std::atomic<int64_t>& a) { return a.load(std::memory_order_relaxed); }

// Loader workers are named "bs-loader" (top, perf and gdb show which threads load).
void name_loader_thread() { pthread_setname_np(pthread_self(), "bs-loader"); }

int chunks_per_batch(int workers, int depth) {
    // Batches are handed out in order, so a worker that finishes a batch while an earlier one is
    // still being built waits when the window is full. Unless the window holds two batches per
    // worker, each batch is split into ceil(2 x workers / depth) chunks (at most one per worker)
    // that several workers build side by side. Measured with 2 workers and depth 2 (JPEG folder,
    // `bench_data_loader paired`, same run): 85% of the decode rate x workers with a batch per
    // worker, 92-93% with each batch in two.
    if (workers <= 1) return 1;
    const int slack = std::max(1, depth);
    return std::clamp((2 * workers + slack - 1) / slack, 1, workers);
}

}  // namespace

BatchLoader::BatchLoader(const data::SampleSource& source, std::span<const uint32_t> order, int64_t start_pos,
                         LoaderOptions opts, profiler::HostTracer* tracer, int64_t first_batch_id)
    : source_(source),
      order_(order),
      start_pos_(std::clamp<int64_t>(start_pos, 0, static_cast<int64_t>(order.size()))),
      opts_(opts),
      own_pool_(opts.pool ? nullptr : std::make_unique<BatchPool>(opts.memory, kSlots + KnobLimits::kMaxWorkers + 4)),
      pool_(opts.pool ? opts.pool : own_pool_.get()),
      tracer_(tracer),
      first_batch_id_(first_batch_id),
      collate_(opts.augment, opts.output.channels ? opts.output.channels : source.shape().channels),
      slots_(kSlots),
      building_(kSlots) {
    if (opts_.pool && opts_.memory && opts_.memory != opts_.pool->memory())
        throw std::invalid_argument("BatchLoader: LoaderOptions::memory differs from its pool's memory");
    opts_.batch_size = std::max(1, opts_.batch_size);
    opts_.workers = std::clamp(opts_.workers, 0, KnobLimits::kMaxWorkers);
    opts_.prefetch_depth = std::clamp(opts_.prefetch_depth, 0, KnobLimits::kMaxPrefetch);
    if (opts_.output.bytes() == 0) opts_.output = source_.shape();
    features_ = opts_.output.bytes();
    const int64_t remaining = static_cast<int64_t>(order_.size()) - start_pos_;
    total_batches_ = opts_.drop_last ? remaining / opts_.batch_size
                                     : (remaining + opts_.batch_size - 1) / opts_.batch_size;
    const int n = std::max(1, opts_.workers);
    for (int i = 0; i < n; ++i) {
        workers_.push_back(std::make_unique<Worker>());
        workers_.back()->buf.cancel = &cancel_;
        workers_.back()->lane = opts_.workers == 0 ? -1 : i;
    }
    threads_.reserve(static_cast<size_t>(opts_.workers));
    for (int i = 0; i < opts_.workers; ++i) threads_.emplace_back([this, i] { worker_main(i); });
}

BatchLoader::~BatchLoader() {
    cancel_.store(true);
    {
        std::lock_guard lock(m_);
        stop_ = true;
    }
    cv_work_.notify_all();
    cv_ready_.notify_all();
    for (auto& t : threads_) t.join();
    for (auto& b : slots_) pool_->give(std::move(b));
    for (auto& g : building_) pool_->give(std::move(g.batch));
}

bool BatchLoader::may_claim_locked() const {
    if (open_seq_ >= 0) return true;  // a batch with chunks left
    if (next_open_ >= total_batches_) return false;
    const int window = std::max(opts_.prefetch_depth, consumer_waiting_ ? 1 : 0);
    return next_open_ < next_consume_ + window;
}

void BatchLoader::open_batch_locked() {
    const int64_t seq = next_open_++;
    Building& g = building_[static_cast<size_t>(seq) % kSlots];
    g = Building{};
    g.batch = pool_->take();
    Batch& b = *g.batch;
    const int64_t first = start_pos_ + seq * opts_.batch_size;
    const int64_t n = std::min<int64_t>(opts_.batch_size, static_cast<int64_t>(order_.size()) - first);
    b.seq = seq;
    b.id = first_batch_id_ + seq;
    b.positions = n;
    b.size = 0;
    b.skipped = 0;
    b.error = nullptr;
    b.format = opts_.format;
    try {
        if (opts_.format == BatchFormat::Float32) b.x.resize(static_cast<size_t>(n * features_));
        else b.pixels.resize(static_cast<size_t>(n * features_));
        b.y.resize(static_cast<size_t>(n));
    } catch (...) {
        // Out of memory (page-locked memory runs out sooner than pageable): the batch carries the
        // error to the consumer, which ends the run with it; its chunks build nothing (build_chunk).
        g.error = std::current_exception();
        g.error_chunk = -1;
    }
    const int64_t chunks = std::min<int64_t>(chunks_per_batch(opts_.workers, opts_.prefetch_depth), n / kMinChunk);
    g.chunks = static_cast<int>(std::clamp<int64_t>(chunks, 1, KnobLimits::kMaxWorkers));
    g.times.start_ns = INT64_MAX;
    open_seq_ = seq;
}

void BatchLoader::finish_chunk_locked(int64_t seq, int chunk, const ChunkResult& r) {
    Building& g = building_[static_cast<size_t>(seq) % kSlots];
    g.delivered[static_cast<size_t>(chunk)] = r.delivered;
    g.skipped += r.skipped;
    g.times.parts += r.parts;
    g.times.start_ns = std::min(g.times.start_ns, r.start_ns);
    g.times.end_ns = std::max(g.times.end_ns, r.end_ns);
    if (chunk == 0) g.times.worker = r.lane;
    if (r.error && chunk < g.error_chunk) g.error = r.error, g.error_chunk = chunk;
    if (++g.done < g.chunks) return;
    Batch& b = *g.batch;
    // Rows left unused by skipped samples: move the later chunks' rows down.
    const int64_t f = features_, n = b.positions;
    int64_t row = 0;
    for (int c = 0; c < g.chunks; ++c) {
        const int64_t lo = c * n / g.chunks, k = g.delivered[static_cast<size_t>(c)];
        if (row != lo && k > 0) {
            if (b.format == BatchFormat::Float32)
                std::memmove(b.x.data() + row * f, b.x.data() + lo * f, static_cast<size_t>(k * f) * sizeof(float));
            else
                std::memmove(b.pixels.data() + row * f, b.pixels.data() + lo * f, static_cast<size_t>(k * f));
            std::memmove(b.y.data() + row, b.y.data() + lo, static_cast<size_t>(k) * sizeof(int32_t));
        }
        row += k;
    }
    b.size = static_cast<int>(row);
    b.skipped = g.skipped;
    b.times = g.times;
    b.error = g.error;
    slots_[static_cast<size_t>(seq) % kSlots] = std::move(g.batch);
    if (seq == next_consume_) cv_ready_.notify_one();
}

void BatchLoader::worker_main(int index) {
    name_loader_thread();
    Worker& w = *workers_[static_cast<size_t>(index)];
    std::unique_lock lock(m_);
    for (;;) {
        const int64_t w0 = now_ns();
        cv_work_.wait(lock, [&] { return stop_ || may_claim_locked() || next_open_ >= total_batches_; });
        add(w.idle_ns, now_ns() - w0);
        if (stop_ || (open_seq_ < 0 && next_open_ >= total_batches_)) return;
        if (open_seq_ < 0) open_batch_locked();
        const int64_t seq = open_seq_;
        Building& g = building_[static_cast<size_t>(seq) % kSlots];
        const int chunk = g.claimed++;
        const int chunks = g.chunks;
        if (g.claimed == chunks) open_seq_ = -1;
        if (may_claim_locked()) cv_work_.notify_one();  // more for an idle worker
        Batch& b = *g.batch;
        const int64_t n = b.positions;
        lock.unlock();
        const ChunkResult r = build_chunk(b, chunk * n / chunks, (chunk + 1) * n / chunks, w);
        lock.lock();
        if (chunk == 0) add(w.batches, 1);
        finish_chunk_locked(seq, chunk, r);
    }
}

std::unique_ptr<Batch> BatchLoader::next() {
    std::unique_ptr<Batch> b;
    std::unique_lock lock(m_);
    if (next_consume_ >= total_batches_) return nullptr;
    const size_t at = static_cast<size_t>(next_consume_) % kSlots;
    if (opts_.workers == 0) {  // one chunk, the whole batch, built here
        open_batch_locked();
        open_seq_ = -1;
        Batch& pending = *building_[at].batch;
        lock.unlock();
        const ChunkResult r = build_chunk(pending, 0, pending.positions, *workers_[0]);
        lock.lock();
        add(workers_[0]->batches, 1);
        finish_chunk_locked(next_consume_, 0, r);
    } else if (!slots_[at]) {
        consumer_waiting_ = true;
        if (opts_.prefetch_depth == 0) cv_work_.notify_all();  // the window just opened
        cv_ready_.wait(lock, [&] { return stop_ || slots_[at] != nullptr; });
        consumer_waiting_ = false;
        if (!slots_[at]) return nullptr;  // stopping
    }
    b = std::move(slots_[at]);
    ++next_consume_;
    lock.unlock();
    // One slot freed: one batch may open, and the worker that opens it wakes another while chunks
    // of it remain (worker_main). Waking them all only had the others take the lock and sleep again.
    if (opts_.workers > 0) cv_work_.notify_one();
    consumed_positions_ += b->positions;
    if (b->error) {
        const std::exception_ptr e = b->error;
        recycle(std::move(b));  // its buffers stay with the loader (or the pool)
        std::rethrow_exception(e);
    }
    return b;
}

void BatchLoader::recycle(std::unique_ptr<Batch> b) { pool_->give(std::move(b)); }

int64_t BatchLoader::buffer_bytes() const {
    const int64_t per_sample = features_ * (opts_.format == BatchFormat::Float32 ? 4 : 1) + 4;  // + the label
    return pool_->created() * per_sample * opts_.batch_size;
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
    // The batches the consumer can take now, in order: one finished after a batch still being
    // built is not ready for it.
    std::lock_guard lock(m_);
    int n = 0;
    for (int64_t s = next_consume_; s < total_batches_ && n < static_cast<int>(kSlots) && slots_[static_cast<size_t>(s) % kSlots]; ++s)
        ++n;
    return n;
}

int64_t BatchLoader::busy_ns() const noexcept {
    int64_t s = 0;
    for (const auto& w : workers_) s += get(w->busy_ns);
    return s;
}

LoaderStats BatchLoader::stats() const {
    LoaderStats s;
    for (const auto& w : workers_) {
        s.workers.push_back({get(w->busy_ns), get(w->idle_ns), get(w->batches)});
        s.parts += {get(w->read_ns), get(w->decode_ns), get(w->augment_ns), get(w->collate_ns)};
        s.samples += get(w->samples);
        s.skipped += get(w->skipped);
    }
    {
        std::lock_guard lock(skipped_m_);
        s.skipped_samples = skipped_samples_;
    }
    std::lock_guard lock(m_);
    s.batches = next_consume_;
    return s;
}

}  // namespace batchscope::engine
