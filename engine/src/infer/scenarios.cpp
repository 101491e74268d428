#include "batchscope/engine/infer/scenarios.h"

namespace batchscope::engine::infer {

const char* to_string(Scenario s) noexcept {
    switch (s) {
        case Scenario::Stream: return "stream";
        case Scenario::SingleStream: return "single-stream";
        case Scenario::Server: return "server";
        case Scenario::Offline: return "offline";
    }
    return "?";
}

std::optional<Scenario> parse_scenario(std::string_view s) noexcept {
    for (Scenario x : {Scenario::Stream, Scenario::SingleStream, Scenario::Server, Scenario::Offline})
        if (s == to_string(x)) return x;
    return std::nullopt;
}

InferConfig apply_scenario(Scenario s, InferConfig c) {
    switch (s) {
        case Scenario::SingleStream:
            c.mode = LoadMode::Closed;
            c.concurrency = 1;
            c.max_batch = 1;
            c.queue_delay_us = 0;
            break;
        case Scenario::Server: c.mode = LoadMode::Poisson; break;
        case Scenario::Offline: c.mode = LoadMode::Offline; break;
        case Scenario::Stream: break;
    }
    return c;
}

ProbeFn make_stream_probe(InferConfig base, std::shared_ptr<BatchService> service,
                          std::function<void(const ProbeResult&, const InferResult&)> on_probe,
                          StreamSinkFactory make_sink) {
    base.mode = LoadMode::Poisson;
    base.keep_records = false;
    return [base, service, on_probe, make_sink](double rate) {
        InferConfig c = base;
        c.rate = rate;
        c.seed = base.seed + static_cast<uint64_t>(rate);  // independent arrivals per probe
        const InferResult r = run_inference(c, service, make_sink ? make_sink(c) : nullptr);
        ProbeResult p;
        p.rate = rate;
        p.p99_ns = r.latency.value_ns(99.0);
        p.achieved_rps = r.throughput_rps;
        p.requests = r.completed;
        p.enough_samples = r.completed >= min_samples_for(99.0);
        if (on_probe) on_probe(p, r);
        return p;
    };
}

InferConfig sweep_point_config(const InferConfig& base, int max_batch, double rate) {
    InferConfig c = base;
    c.mode = LoadMode::Poisson;
    c.max_batch = max_batch;
    c.rate = rate;
    c.keep_records = false;
    return c;
}

std::vector<SweepPoint> run_sweep(const InferConfig& base, std::shared_ptr<BatchService> service,
                                  const SweepOptions& o, const std::function<void(const SweepPoint&)>& progress,
                                  const StreamSinkFactory& make_sink) {
    std::vector<SweepPoint> out;
    for (int b : o.max_batches)
        for (double rate : o.rates) {
            const InferConfig c = sweep_point_config(base, b, rate);
            SweepPoint p;
            p.max_batch = b;
            p.offered_rps = rate;
            p.result = run_inference(c, service, make_sink ? make_sink(c) : nullptr);
            if (progress) progress(p);
            out.push_back(std::move(p));
        }
    return out;
}

}  // namespace batchscope::engine::infer
