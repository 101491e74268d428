// The training loop's controls, applied at iteration boundaries: pauses, live knob changes, and
// the loader they rebuild.
#include <chrono>

#include "batchscope/engine/data/storage_profile.h"
#include "training_data.h"
#include "training_loop.h"

namespace batchscope::engine {

std::unique_ptr<BatchLoader> TrainingLoop::make_loader() {
    LoaderOptions o{work_.batch_size, work_.workers,     work_.prefetch_depth, cfg_.drop_last,
                    cfg_.on_error,    data_.sample_shape, epoch_.augment,
                    cfg_.uint8_batches ? BatchFormat::Uint8 : BatchFormat::Float32};
    o.pool = &*batch_pool_;
    keep_pool_for_knobs();
    return std::make_unique<BatchLoader>(*data_.train, epoch_.order, epoch_.pos, o, &run_.tracer,
                                         next_fetch_iteration());
}

// The pool keeps as many idle buffers as the knobs in effect can have out at once (the memory
// estimate's count, and two more), no more: lowering the prefetch depth gives its buffers back
// (page-locked ones included) instead of keeping up to the pool's default.
void TrainingLoop::keep_pool_for_knobs() {
    batch_pool_->set_keep(work_.prefetch_depth + std::max(1, work_.workers) + estimate_.held_batches + 2);
}

// Waits while the run is paused (knob changes still apply while paused: a command ends the wait)
// and takes the queued commands. False when a stop was asked for.
bool TrainingLoop::wait_while_paused(std::vector<KnobCommand>& cmds) {
    TrainingRun::Impl& r = run_;
    std::unique_lock lock(r.ctl_m);
    if (r.paused && !r.stop_requested) {
        if (trace_) {  // the held iterations get their GPU records before the pause
            lock.unlock();  // no CUPTI call under a lock
            poll_gpu(true);
            lock.lock();
        }
        work_.state = RunState::Paused;
        r.publish(true);
        const int64_t p0 = profiler::now_ns();
        while (r.paused && !r.stop_requested) {
            r.ctl_cv.wait_for(lock, std::chrono::milliseconds(50));
            if (!r.commands.empty()) break;
        }
        epoch_.paused_ns += profiler::now_ns() - p0;
        if (!r.paused) work_.state = RunState::Running;
    }
    cmds.swap(r.commands);
    return !r.stop_requested;
}

// Each change applies from the next batch fetched (a staged batch keeps the old values) and is
// recorded as a marker at `t0`.
bool TrainingLoop::apply_knobs(const std::vector<KnobCommand>& cmds, int64_t t0) {
    bool rebuild = false, batch_size_changed = false;
    for (const KnobCommand& c : cmds) {
        using knobs::Knob;
        int* target = c.knob == Knob::BatchSize        ? &work_.batch_size
                      : c.knob == Knob::PrefetchDepth  ? &work_.prefetch_depth
                      : c.knob == Knob::StorageProfile ? &work_.storage_profile
                                                       : &work_.workers;
        if (*target == c.value) continue;
        work_.knob_changes.push_back(
            {t0, next_fetch_iteration(), std::string(knobs::info(c.knob).name), *target, c.value});
        if (run_.sink) run_.sink->on_knob_change(work_.knob_changes.back());
        *target = c.value;
        if (c.knob == Knob::PrefetchDepth) {
            epoch_.loader->set_prefetch_depth(c.value);
            keep_pool_for_knobs();
        } else if (c.knob == Knob::StorageProfile) {  // the next read uses it
            data_.storage->set_profile(static_cast<data::StorageKind>(c.value));
            work_.storage = data::storage_profile(data_.storage->profile()).name;
            data_.train->begin_epoch();
        } else {
            rebuild = true;
            batch_size_changed |= c.knob == Knob::BatchSize;
        }
    }
    if (!rebuild) return false;
    // Batches built ahead at the old size are dropped and rebuilt from the first sample not yet
    // consumed: nothing is lost or repeated.
    accumulate(epoch_.stats, epoch_.loader->stats());
    epoch_.loader.reset();
    if (batch_size_changed) {
        batch_pool_->release_idle();  // no buffers of the old size kept
        time_compute();               // at the new size, before the new loader's workers start
    }
    epoch_.loader = make_loader();
    return batch_size_changed;
}

}  // namespace batchscope::engine
