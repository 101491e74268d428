#include "gpu_run_trace.h"

namespace batchscope::engine {
namespace {

constexpr int64_t kPollEveryNs = 5'000'000;        // draining costs a lock and a clock sample
constexpr int64_t kMemoryEveryNs = 1'000'000'000;  // cudaMemGetInfo once a second
constexpr uint32_t kFlushPeriodMs = 100;           // CUPTI hands over its buffers this often

}  // namespace

GpuRunTrace::GpuRunTrace(GpuBackend& gpu, bool cupti_wanted, bool serving)
    : gpu_(gpu), collector_(gpu.cupti_api(), kFlushPeriodMs), join_(3'000'000'000, 1u << 16, serving),
      serving_(serving) {
    stats_.struct_size = sizeof stats_;
    timing_ = profiler::choose_gpu_timing({&collector_, /*cuda_events=*/true, !cupti_wanted});
    if (cupti()) gpu_.attach_cupti(&collector_);
}

GpuRunTrace::~GpuRunTrace() {
    gpu_.set_work_id(-1);
    gpu_.attach_cupti(nullptr);
}

void GpuRunTrace::hold(int64_t id, int64_t start_ns, int64_t end_ns, std::span<const profiler::Event> host_events,
                       const profiler::Breakdown& fallback) {
    join_.add_iteration(id, start_ns, end_ns, host_events, fallback);
}

void GpuRunTrace::poll(int64_t now_ns, bool forced, std::vector<profiler::Event>& events,
                       std::vector<profiler::GpuIterationJoin::Joined>& joined) {
    drained_.clear();  // drained() is this poll's records only
    if (!cupti()) return;
    if (!forced && now_ns - last_poll_ns_ < kPollEveryNs) return;
    last_poll_ns_ = now_ns;
    if (forced) {
        // CUPTI writes a record when its work has finished: a flush before the streams are done
        // would hand over the buffers without the records of the work still in flight.
        wait_for_streams();
        if (collector_.flush(true) != 0) ++flush_failures_;
    }
    if (collector_.drain(drained_) > 0) {
        tables_.add(drained_);
        tables_changed_ = true;
        const size_t first = events.size();
        profiler::append_events(drained_, lanes_, events);
        join_.add_gpu_events(std::span<const profiler::Event>(events).subspan(first));
    }
    join_.take(now_ns, forced, joined);
    stats_ = collector_.stats();
}

void GpuRunTrace::wait_for_streams() {
    try {
        gpu_.synchronize(GpuStream::copy);
        gpu_.synchronize(GpuStream::compute);
    } catch (const GpuError&) {
        // The device failed: the next GPU call that matters reports it; here the records of what
        // was in flight may be missing (counted, and said at the end).
        ++sync_failures_;
    }
}

std::string GpuRunTrace::incomplete_note() const {
    std::string note;
    if (const uint64_t lost = dropped(); lost > 0)
        note += "; CUPTI lost " + std::to_string(lost) +
                " GPU activity records (its buffers were full): the kernel and copy tables and the GPU lanes are "
                "incomplete";
    if (stats_.bad_timestamps > 0)
        note += "; " + std::to_string(stats_.bad_timestamps) +
                " GPU records had zero or reversed timestamps and were left out of the breakdown";
    DeviceView shares;
    shares.device_attributed_ns = join_.tagged_device_ns();
    shares.device_unattributed_ns = join_.untagged_device_ns();
    if (const std::string n = unattributed_note(shares); !n.empty()) note += "; " + n;
    if (const uint64_t n = join_.timed_out(); cupti() && n > 0)
        note += "; " + std::to_string(n) + (serving_ ? " batches" : " iterations") +
                " had no CUPTI record and were timed with CUDA events";
    if (const uint64_t n = join_.late_events(); n > 0)
        note += "; " + std::to_string(n) +
                (serving_ ? " GPU records arrived after their batch's phases were made (they are in the GPU lanes and "
                            "tables, not in those requests' h2d, compute and d2h)"
                          : " GPU records arrived after their iteration's breakdown was made (they are in the GPU lanes "
                            "and tables, not in those breakdowns)");
    if (flush_failures_ > 0)
        note += "; " + std::to_string(flush_failures_) + " forced CUPTI flushes failed (GPU records of those " +
                (serving_ ? "streams" : "epochs") + " may be missing)";
    if (sync_failures_ > 0)
        note += "; waiting for the GPU's streams before a CUPTI flush failed " + std::to_string(sync_failures_) +
                " times (GPU records of the work then in flight may be missing)";
    if (memory_failures_ > 0)
        note += "; the device memory query failed " + std::to_string(memory_failures_) +
                " times (the memory shown is the last good sample)";
    return note;
}

uint64_t GpuRunTrace::dropped() const noexcept { return stats_.dropped + stats_.queue_dropped; }

void GpuRunTrace::fill(DeviceView& d, int64_t now_ns, bool force) {
    if (d.name.empty()) d.name = gpu_.probe().device_name.empty() ? "GPU" : gpu_.probe().device_name;
    if (force || last_memory_ns_ == 0 || now_ns - last_memory_ns_ >= kMemoryEveryNs) {
        last_memory_ns_ = now_ns;
        try {
            const GpuMemoryStats m = gpu_.memory_stats();
            d.memory_free = static_cast<int64_t>(m.device_free_bytes);
            d.memory_total = static_cast<int64_t>(m.device_total_bytes);
            d.memory_run = static_cast<int64_t>(m.pool_in_use_bytes);
        } catch (const GpuError&) {
            // Keeps the last sample (counted, and said at the end): a failing memory query is not
            // worth stopping the run for; the next GPU call that matters reports the device's state.
            ++memory_failures_;
        }
    }
    if (tables_changed_) {
        d.kernels = tables_.kernels();
        d.copies = tables_.copies();
        tables_changed_ = false;
    }
    d.cupti_records = stats_.records;
    d.cupti_dropped = dropped();
    d.cupti_bad_timestamps = stats_.bad_timestamps;
    d.cupti_unjoined = stats_.unjoined;
    d.device_attributed_ns = join_.tagged_device_ns();
    d.device_unattributed_ns = join_.untagged_device_ns();
}

}  // namespace batchscope::engine
