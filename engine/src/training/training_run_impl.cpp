// The controller thread of a training run: runs the training loop (training_loop.h), reports
// how it ended (with advice when it ran out of memory), publishes snapshots.
#include "training_run_impl.h"

#include <exception>
#include <new>

#include "batchscope/engine/memory_fit.h"
#include "training_loop.h"

namespace batchscope::engine {

void TrainingRun::Impl::publish(bool force) {
    const int64_t now = profiler::now_ns();
    if (!force && now - last_publish_ns < kPublishEveryNs) return;
    last_publish_ns = now;
    work.elapsed_s = run_start_ns ? static_cast<double>(now - run_start_ns) / 1e9 : 0.0;
    work.dropped_events = tracer.dropped();
    auto s = std::make_shared<RunSnapshot>(work);
    s->recent.assign(recent.begin(), recent.end());
    s->events = events.window(RunSnapshot::kSnapshotEvents);
    s->events_evicted = events.evicted();
    std::lock_guard lock(snap_m);
    snap = std::move(s);
}

namespace {

// "out of memory at batch size N" with the largest batch size that should fit, from the loop's
// estimate at the knobs in effect (a live prefetch or worker change included) and the memory
// available now (the run's buffers are freed by now).
std::string out_of_memory_message(const RunSnapshot& work, const TrainingLoop::MemoryEstimate& est,
                                  const std::exception& e) {
    const int batch_size = work.batch_size;
    std::string m = "out of memory at batch size " + std::to_string(batch_size);
    // A failure that says more than "std::bad_alloc" (page-locked batch buffers name the plugin's reason).
    if (const std::string why = e.what(); why != std::bad_alloc().what()) m += " (" + why + ")";
    const int64_t avail = host_memory_available();
    const int64_t per_sample = est.bytes_per_sample(work.prefetch_depth, work.workers);
    // 90% of what the estimate allows: threads and allocator overhead are not in it.
    const int fit = avail > 0 ? largest_batch_that_fits(est.fixed_bytes, per_sample, avail * 9 / 10) : 0;
    if (avail > 0 && est.model_per_sample > 0 && fit < 1)
        return m + "; even batch size 1 does not fit in the memory available: use a smaller model";
    if (avail > 0 && est.model_per_sample > 0 && fit < batch_size)
        return m + "; the largest batch size that should fit is " + std::to_string(fit) + " (estimated: " +
               std::to_string(est.fixed_bytes / 1024) + " KiB of weights, gradients and optimizer state + " +
               std::to_string(per_sample / 1024) + " KiB per sample, " +
               std::to_string(avail / (1024 * 1024)) + " MiB available)";
    return m + ": try a smaller batch size or fewer prefetched batches";
}

}  // namespace

void TrainingRun::Impl::run_controller() {
    run_start_ns = profiler::now_ns();
    work.state = RunState::Loading;
    work.message = "loading the data";
    publish(true);
    TrainingLoop::MemoryEstimate estimate;  // for the out-of-memory advice
    try {
        TrainingLoop(*this, estimate).run();  // gone (with its buffers) before a handler runs
    } catch (const std::bad_alloc& e) {
        work.state = RunState::Failed;
        work.message = out_of_memory_message(work, estimate, e);
    } catch (const std::exception& e) {
        work.state = RunState::Failed;
        work.message = e.what();
    }
    drain_events();
    if (sink && !work.device.name.empty()) sink->on_device(work.device);
    if (sink) sink->on_end(work.state, work.message);
    publish(true);
}

}  // namespace batchscope::engine
