// BatchLoader: building one chunk of a batch, sample by sample (read, decode, augment, collate),
// timing each part, and converting 8-bit batches to float.
#include <cstring>

#include "batch_loader_internal.h"
#include "batchscope/profiler/host_tracer.h"

namespace batchscope::engine {
namespace {

using profiler::now_ns;

void add(std::atomic<int64_t>& a, int64_t v) { a.fetch_add(v, std::memory_order_relaxed); }

constexpr int64_t kAhead = 2;  // samples whose bytes are prefetched ahead of the one being read

}  // namespace

void to_float(const Batch& b, data::ImageShape sample, const data::Collator& collate, float* dst) {
    const int64_t f = sample.bytes();
    if (b.format == BatchFormat::Float32) {
        std::memcpy(dst, b.x.data(), static_cast<size_t>(b.size * f) * sizeof(float));
        return;
    }
    for (int i = 0; i < b.size; ++i) collate(b.pixels.data() + i * f, sample, dst + i * f);
}

BatchLoader::ChunkResult BatchLoader::build_chunk(Batch& b, int64_t lo, int64_t hi, Worker& w) {
    const int64_t first = start_pos_ + b.seq * opts_.batch_size;  // sampler position of row 0
    const int64_t f = features_;
    const bool decodes = source_.encoded();
    ChunkResult r;
    r.lane = w.lane;
    r.start_ns = now_ns();
    LoadTimes& t = r.parts;
    int64_t prev = r.start_ns;
    // Buffers that could not be allocated (open_batch_locked keeps the error): nothing to build.
    const size_t rows_held = opts_.format == BatchFormat::Float32 ? b.x.size() : b.pixels.size();
    if (b.y.size() < static_cast<size_t>(hi) || rows_held < static_cast<size_t>(hi * f)) {
        r.end_ns = r.start_ns;
        return r;
    }
    int64_t row = lo;  // next row to write
    for (int64_t i = lo; i < hi && i < lo + kAhead; ++i) source_.prefetch(order_[static_cast<size_t>(first + i)]);
    for (int64_t i = lo; i < hi && !cancel_.load(std::memory_order_relaxed); ++i) {
        const int64_t idx = order_[static_cast<size_t>(first + i)];
        if (i + kAhead < hi) source_.prefetch(order_[static_cast<size_t>(first + i + kAhead)]);
        try {
            // Clock reads are skipped for the steps that do nothing (raw samples, no transform).
            // 8-bit batches: the sample is read / decoded straight into its batch row.
            uint8_t* slot = opts_.format == BatchFormat::Uint8 ? b.pixels.data() + row * f : nullptr;
            w.buf.image.external = slot;
            w.buf.image.external_bytes = static_cast<size_t>(f);
            source_.read(idx, w.buf);
            const int64_t t1 = now_ns();
            int64_t t2 = t1;
            if (decodes) {
                source_.decode(idx, w.buf);
                t2 = now_ns();
            }
            const data::Image& in = w.buf.image;
            if (in.shape.channels != opts_.output.channels)
                throw data::SampleError(source_.describe() + " sample " + std::to_string(idx),
                                        "has " + std::to_string(in.shape.channels) + " channels, expected " +
                                            std::to_string(opts_.output.channels));
            const data::Image& img = w.aug.apply(in, opts_.output, opts_.augment, static_cast<uint64_t>(first + i));
            const int64_t t3 = &img == &in ? t2 : now_ns();
            if (!slot) collate_(img, b.x.data() + row * f);
            else if (img.data() != slot) std::memcpy(slot, img.data(), static_cast<size_t>(f));
            w.buf.image.external = nullptr;
            b.y[static_cast<size_t>(row)] = source_.label(idx);
            ++row;
            const int64_t t4 = now_ns();
            t.read_ns += t1 - prev, t.decode_ns += t2 - t1, t.augment_ns += t3 - t2, t.collate_ns += t4 - t3;
            prev = t4;
        } catch (const data::SampleError& e) {
            w.buf.image.external = nullptr;
            prev = now_ns();
            if (opts_.on_error == data::ErrorPolicy::Stop) {
                r.error = std::current_exception();
                break;
            }
            ++r.skipped;
            std::lock_guard lock(skipped_m_);
            if (skipped_samples_.size() < kNamedSkips) skipped_samples_.emplace_back(e.what());
        } catch (...) {  // not a sample's fault (out of memory, ...): always ends the run
            w.buf.image.external = nullptr;
            r.error = std::current_exception();
            break;
        }
    }
    r.delivered = static_cast<int>(row - lo);
    r.end_ns = now_ns();
    add(w.busy_ns, r.end_ns - r.start_ns);
    add(w.samples, r.delivered);
    add(w.skipped, r.skipped);
    add(w.read_ns, t.read_ns), add(w.decode_ns, t.decode_ns), add(w.augment_ns, t.augment_ns);
    add(w.collate_ns, t.collate_ns);
    if (!tracer_ || !tracer_->enabled()) return r;
    // One Load per chunk on its worker's lane, then its four parts laid end to end from its start.
    profiler::Event ev;
    ev.lane = w.lane < 0 ? profiler::Lane{profiler::LaneKind::Controller, 0}
                         : profiler::Lane{profiler::LaneKind::LoaderWorker, static_cast<uint8_t>(w.lane)};
    ev.id = b.id;
    ev.bytes = static_cast<uint32_t>(r.delivered * f);
    ev.phase = profiler::Phase::Load;
    ev.start_ns = r.start_ns;
    ev.end_ns = r.end_ns;
    tracer_->record(ev);
    ev.end_ns = r.start_ns;
    for (auto [phase, ns] : {std::pair{profiler::Phase::ReadPhase, t.read_ns}, {profiler::Phase::Decode, t.decode_ns},
                             {profiler::Phase::Augment, t.augment_ns}, {profiler::Phase::Collate, t.collate_ns}}) {
        ev.phase = phase;
        ev.start_ns = ev.end_ns;
        ev.end_ns = ev.start_ns + ns;
        tracer_->record(ev);
    }
    return r;
}

}  // namespace batchscope::engine
