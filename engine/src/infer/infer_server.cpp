// The server thread of an inference run: takes batches from the dynamic batcher, serves them,
// accounts every request from its scheduled arrival, frees closed-loop slots, and publishes
// snapshots (~30 Hz). Also builds the final result once the run has ended.
#include <sys/prctl.h>

#include <exception>

#include "batchscope/profiler/clock.h"
#include "inference_run_impl.h"
#include "request_events.h"

namespace batchscope::engine::infer {
namespace {

constexpr int64_t kPublishEveryNs = 33'000'000;
constexpr int64_t kIdleWaitNs = 50'000'000;  // publish at least this often while idle

}  // namespace

void InferenceRun::Impl::release_slots(std::span<const RequestRecord> served) {
    {
        std::lock_guard lock(ctl_m);
        for (const RequestRecord& r : served) {
            if (slot_debt > 0) --slot_debt;
            else free_slots.push_back(r.done_ns);
        }
    }
    ctl_cv.notify_all();
}

void InferenceRun::Impl::server_main() {
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // the queue delay is in microseconds
    std::vector<Request> batch;
    std::vector<int64_t> samples;
    std::vector<int8_t> correct;
    std::vector<RequestRecord> served;
    std::vector<profiler::Event> events, gpu_events;
    const bool trace = sink && sink->wants_events();
    const bool held = gpu_trace && gpu_trace->cupti();  // batches wait for their CUPTI records
    // A batch whose phases are final: into the statistics, the sink and the trace. With CUPTI the
    // GPU's stream lanes come from the records (poll_gpu), not from the batch's phases.
    auto finish = [&](std::span<const RequestRecord> done, const BatchTiming& t, bool stream_lanes) {
        stats.add_batch(done);
        if (sink) sink->on_batch(done);
        if (trace) {
            events.clear();
            append_batch_events(done, t, events, stream_lanes);
            sink->on_events(events);
        }
    };
    auto poll_gpu = [&](bool forced) {
        if (!gpu_trace) return;
        const int64_t now = profiler::now_ns();
        gpu_events.clear();
        gpu_trace->poll(now, forced, gpu_events,
                        [&](std::span<RequestRecord> done, const BatchTiming& t, bool) { finish(done, t, false); });
        if (trace && !gpu_trace->drained().empty()) sink->on_device_records(gpu_trace->drained());
        if (trace && !gpu_events.empty()) sink->on_events(gpu_events);
        gpu_trace->fill(device, now, forced);
    };
    try {
        for (;;) {
            const DynamicBatcher::Pop got = batcher.pop(batch, kIdleWaitNs);
            if (got == DynamicBatcher::Pop::Closed) break;
            if (got == DynamicBatcher::Pop::Timeout) {
                poll_gpu(false);
                stats.tick(profiler::now_ns());
                publish(false, false);
                continue;
            }
            const int64_t start = profiler::now_ns();
            samples.resize(batch.size());
            correct.assign(batch.size(), -1);
            for (size_t i = 0; i < batch.size(); ++i) samples[i] = batch[i].sample;
            if (gpu_trace) gpu_trace->begin(batch.front().id);  // the batch's GPU work carries its id
            BatchTiming t;
            try {
                t = service->serve(samples, correct);
            } catch (...) {
                if (gpu_trace) gpu_trace->end();
                throw;
            }
            if (gpu_trace) gpu_trace->end();
            const int64_t done = profiler::now_ns();
            served.resize(batch.size());
            for (size_t i = 0; i < batch.size(); ++i) {
                RequestRecord& r = served[i];
                r.id = batch[i].id;
                r.sample = batch[i].sample;
                r.scheduled_ns = batch[i].scheduled_ns;
                r.issued_ns = batch[i].issued_ns;
                r.start_ns = start;
                r.done_ns = done;
                r.h2d_ns = t.h2d_ns;
                r.compute_ns = t.compute_ns;
                r.d2h_ns = t.d2h_ns;
                r.batch_size = static_cast<int>(batch.size());
                r.correct = correct[i];
            }
            if (cfg.mode == LoadMode::Closed) release_slots(served);  // the responses are out now
            if (held) gpu_trace->hold(served, t);
            else finish(served, t, true);
            poll_gpu(false);
            publish(false, false);
        }
        poll_gpu(true);  // CUPTI's buffers flushed: every held batch gets its records
    } catch (const std::exception& e) {
        {
            std::lock_guard lock(info_m);
            server_error = std::string("serving failed: ") + e.what();
        }
        stop_requested.store(true);
        try {
            poll_gpu(true);  // the batches served before the failure still count
        } catch (const std::exception&) {
            // The device failed again: no record will come, those batches keep their CUDA-event times.
            if (gpu_trace)
                gpu_trace->release_all(
                    [&](std::span<RequestRecord> done, const BatchTiming& t, bool) { finish(done, t, true); });
        }
    }
    {
        std::lock_guard lock(ctl_m);
        server_done = true;
    }
    ctl_cv.notify_all();
}

void InferenceRun::Impl::publish(bool force, bool final_result_now) {
    const int64_t now = profiler::now_ns();
    if (!force && now - last_publish_ns < kPublishEveryNs) return;
    last_publish_ns = now;
    auto s = std::make_shared<InferSnapshot>();
    s->mode = cfg.mode;
    s->rate = rate.load();
    s->concurrency = concurrency.load();
    s->max_batch = max_batch.load();
    s->queue_delay_us = queue_delay_us.load();
    s->burst = cfg.burst;
    s->requests_target = cfg.requests;
    s->queue_depth = static_cast<int64_t>(batcher.depth());
    s->elapsed_s = static_cast<double>(now - run_start_ns) / 1e9;
    s->totals = stats.result(final_result_now);
    s->totals.issued = issued.load();
    s->totals.dropped = dropped.load();
    s->totals.timing = timing;
    s->totals.gpu_timing = gpu_timing;
    s->totals.device = device;
    if (gpu_trace) {
        s->totals.batches_from_records = gpu_trace->batches_from_records();
        s->totals.batches_from_events = gpu_trace->batches_from_events();
    }
    s->latency_histogram = stats.latency_bins();
    s->series.assign(stats.series().begin(), stats.series().end());
    {
        std::lock_guard lock(info_m);
        s->state = state;
        s->message = message;
        s->model = model;
        s->dataset = dataset;
        s->backend = backend;
        s->knob_changes = knob_log;
    }
    std::shared_ptr<const InferResult> result;
    if (final_result_now) {
        auto r = std::make_shared<InferResult>(s->totals);
        r->records = stats.take_records();
        if (sink) sink->on_end(s->state, s->message, *r);
        result = std::move(r);
    }
    std::lock_guard lock(snap_m);
    snap = std::move(s);
    if (result) final_result = std::move(result);
}

}  // namespace batchscope::engine::infer
