// The controller thread of an inference run: loads the service, starts the server thread,
// generates the load (open loop on a schedule, closed loop on free slots, or everything at once)
// and applies knob commands as they come, each recorded as a KnobChange.
#include <sys/prctl.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <numeric>
#include <random>
#include <stdexcept>

#include "batchscope/engine/gpu_backend.h"
#include "batchscope/profiler/clock.h"
#include "inference_run_impl.h"

namespace batchscope::engine::infer {
namespace {

std::chrono::steady_clock::time_point at(int64_t ns) {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace

void InferenceRun::Impl::issue(int64_t scheduled_ns) {
    const int64_t id = issued.load(std::memory_order_relaxed);
    Request r;
    r.id = id;
    r.sample = sample_order[static_cast<size_t>(id) % sample_order.size()];
    r.scheduled_ns = scheduled_ns;
    r.issued_ns = profiler::now_ns();
    batcher.push(r);
    issued.store(id + 1, std::memory_order_relaxed);
}

void InferenceRun::Impl::record_knob(knobs::Knob knob, int64_t old_value, int64_t new_value) {
    const KnobChange k{profiler::now_ns(), issued.load(), std::string(knobs::info(knob).name), old_value, new_value};
    {
        std::lock_guard lock(info_m);
        knob_log.push_back(k);
    }
    if (sink) sink->on_knob_change(k);
}

bool InferenceRun::Impl::apply_commands(ArrivalProcess* arrivals) {
    std::vector<InferKnobCommand> cmds;
    {
        std::lock_guard lock(ctl_m);
        cmds.swap(commands);
        has_commands.store(false);
    }
    bool rate_changed = false;
    for (const InferKnobCommand& c : cmds) {
        using knobs::Knob;
        if (c.knob == Knob::Rate) {
            const double old = rate.load();
            if (old == c.value) continue;
            rate.store(c.value);
            if (arrivals) arrivals->set_rate(c.value);
            rate_changed = true;
            record_knob(Knob::Rate, std::llround(old), std::llround(c.value));
        } else if (c.knob == Knob::Concurrency) {
            const int old = concurrency.load(), now = static_cast<int>(c.value);
            if (old == now) continue;
            concurrency.store(now);
            {
                std::lock_guard lock(ctl_m);
                const int64_t t = profiler::now_ns();
                for (int k = old; k < now; ++k) {  // more slots: retire debt first, then open new ones
                    if (slot_debt > 0) --slot_debt;
                    else free_slots.push_back(t);
                }
                for (int k = now; k < old; ++k) {  // fewer: close free ones, the rest when they free up
                    if (!free_slots.empty()) free_slots.pop_back();
                    else ++slot_debt;
                }
            }
            record_knob(Knob::Concurrency, old, now);
        } else {
            const bool is_batch = c.knob == Knob::MaxBatch;
            const int64_t old = is_batch ? max_batch.load() : queue_delay_us.load();
            const auto now = static_cast<int64_t>(c.value);
            if (old == now) continue;
            if (is_batch) max_batch.store(static_cast<int>(now));
            else queue_delay_us.store(now);
            batcher.set_policy({max_batch.load(), queue_delay_us.load() * 1000});
            record_knob(c.knob, old, now);
        }
    }
    return rate_changed;
}

void InferenceRun::Impl::generate_open_loop() {
    ArrivalProcess arrivals(cfg.mode, rate.load(), cfg.burst, cfg.seed);
    const int64_t spin = cfg.spin_us * 1000;
    int64_t next = profiler::now_ns(), prev = next;
    for (int64_t i = 0; cfg.requests == 0 || i < cfg.requests; ++i) {
        for (;;) {
            if (stop_requested.load(std::memory_order_relaxed)) return;
            if (has_commands.load(std::memory_order_relaxed) && apply_commands(&arrivals))
                next = std::max(prev, profiler::now_ns()) + arrivals.next_gap_ns();  // the new rate at once
            const int64_t left = next - profiler::now_ns();
            if (left <= 0) break;
            if (left > spin + 100'000) {  // sleep, but wake for a command or stop
                std::unique_lock lock(ctl_m);
                ctl_cv.wait_until(lock, at(next - spin), [&] { return stop_requested.load() || has_commands.load(); });
                continue;
            }
            wait_until(next, spin);
            break;
        }
        issue(next);
        prev = next;
        next += arrivals.next_gap_ns();
    }
}

void InferenceRun::Impl::generate_closed_loop() {
    {
        std::lock_guard lock(ctl_m);
        free_slots.assign(static_cast<size_t>(concurrency.load()), profiler::now_ns());
    }
    for (int64_t i = 0; cfg.requests == 0 || i < cfg.requests; ++i) {
        int64_t scheduled = 0;
        for (;;) {
            std::unique_lock lock(ctl_m);
            ctl_cv.wait(lock, [&] { return stop_requested.load() || has_commands.load() || !free_slots.empty(); });
            if (stop_requested.load()) return;
            if (has_commands.load()) {
                lock.unlock();
                apply_commands(nullptr);
                continue;
            }
            // Scheduled when its slot freed up: a slow wake-up of this thread shows as lateness.
            scheduled = free_slots.front();
            free_slots.pop_front();
            break;
        }
        issue(scheduled);
    }
}

void InferenceRun::Impl::generate_offline() {
    const int64_t t0 = profiler::now_ns();
    std::vector<Request> all(static_cast<size_t>(cfg.requests));
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = {static_cast<int64_t>(i), sample_order[i % sample_order.size()], t0, t0};
    batcher.push_many(all);
    issued.store(cfg.requests);
}

void InferenceRun::Impl::controller_main() {
    // Timed sleeps may otherwise end up to 50 us late (the default timer slack): the schedule
    // and the batcher's queue delay need microseconds.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    run_start_ns = profiler::now_ns();
    stats.begin(run_start_ns);
    {
        std::lock_guard lock(info_m);
        state = RunState::Loading;
        message = "loading the model and the test set";
    }
    publish(true, false);
    try {
        if (auto err = validate(cfg); !err.empty()) throw std::invalid_argument(err);
        if (!service) service = make_checkpoint_service(cfg);  // the backend the config names (never a silent CPU)
        sample_order.resize(static_cast<size_t>(service->sample_count()));
        std::iota(sample_order.begin(), sample_order.end(), int64_t{0});
        std::shuffle(sample_order.begin(), sample_order.end(), std::mt19937_64(cfg.seed));
        service->warm_up(cfg.max_batch);
        // A GPU service's batches are traced by CUPTI when it starts, else timed by their CUDA
        // events (the reason is in the timing line). The warm-up above is in neither.
        timing = service->timing();
        if (GpuBackend* g = service->gpu()) {
            gpu_trace = std::make_unique<ServingTrace>(*g, cfg.cupti);
            gpu_timing = gpu_trace->timing();
            timing = gpu_trace->describe(timing);
            gpu_trace->fill(device, profiler::now_ns(), true);
        }
        {
            std::lock_guard lock(info_m);
            model = service->model();
            dataset = service->dataset();
            backend = service->backend();
            state = RunState::Running;
            message.clear();
        }
        run_start_ns = profiler::now_ns();
        stats.begin(run_start_ns);
        server = std::thread([this] { server_main(); });
        if (cfg.mode == LoadMode::Closed) generate_closed_loop();
        else if (cfg.mode == LoadMode::Offline) generate_offline();
        else generate_open_loop();
        if (stop_requested.load()) dropped += static_cast<int64_t>(batcher.clear());
        batcher.close();
        for (;;) {  // knobs (max batch, queue delay) still apply while the queue drains
            std::unique_lock lock(ctl_m);
            ctl_cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return server_done || has_commands.load(); });
            if (server_done) break;
            lock.unlock();
            if (has_commands.load()) apply_commands(nullptr);
            if (stop_requested.load()) dropped += static_cast<int64_t>(batcher.clear());
        }
        server.join();
        std::lock_guard lock(info_m);
        if (!server_error.empty()) {
            state = RunState::Failed;
            message = server_error;
        } else {
            state = stop_requested.load() ? RunState::Stopped : RunState::Finished;
            message = stop_requested.load() ? "stopped by the user" : "finished";
            if (gpu_trace) message += gpu_trace->incomplete_note();  // CUPTI's losses, never silent
        }
    } catch (const std::bad_alloc&) {
        std::lock_guard lock(info_m);
        state = RunState::Failed;
        message = "out of memory: try fewer requests or a smaller max batch";
    } catch (const std::exception& e) {
        std::lock_guard lock(info_m);
        state = RunState::Failed;
        message = e.what();
    }
    if (server.joinable()) {  // a failure while the server ran
        batcher.clear();
        batcher.close();
        server.join();
    }
    stats.finish(profiler::now_ns());
    publish(true, true);
    gpu_trace.reset();  // detaches from the service's GPU (a sweep serves it again)
}

}  // namespace batchscope::engine::infer
