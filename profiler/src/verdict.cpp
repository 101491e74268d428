#include "batchscope/profiler/verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace batchscope::profiler {
namespace {

std::string pct(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", share * 100.0);
    return buf;
}

std::string ms(double ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
    return buf;
}

Advice make(std::string knob, int64_t from, int64_t to, const std::string& why) {
    Advice a{std::move(knob), from, to, {}};
    KnobMarker m{0, 0, a.knob, from, to};
    a.text = describe(m) + ": " + why;
    return a;
}

int worker_cap(const PipelineContext& c) {
    int cap = c.max_workers;
    if (c.cpu_cores > 0) cap = std::min(cap, std::max(1, c.cpu_cores));
    return cap;
}

int bigger_batch(const PipelineContext& c) { return std::min(c.max_batch, std::max(1, c.batch_size) * 4); }

int deeper_prefetch(const PipelineContext& c) {
    const int d = c.prefetch_depth;
    return std::min(c.max_prefetch, d < 2 ? 4 : d * 2);
}

void input_advice(const WindowSummary& w, const PipelineContext& c, std::vector<Advice>& out) {
    const double consume_ns = static_cast<double>(w.total.wall_ns - w.total.data_wait_ns) /
                              static_cast<double>(std::max<int64_t>(1, w.iterations));
    const bool load_known = c.loader_busy_ns > 0 && c.batches_loaded > 0;
    const double load_ns = load_known ? static_cast<double>(c.loader_busy_ns) / static_cast<double>(c.batches_loaded) : 0;
    // Workers that keep pace with the trainer: each builds one batch per load_ns.
    const int needed = load_known ? static_cast<int>(std::ceil(load_ns / std::max(1.0, consume_ns))) : c.workers + 1;
    const int cap = worker_cap(c);

    if (c.workers == 0) {
        const int to = std::min(cap, std::max(2, needed));
        if (to > 0)
            out.push_back(make("workers", 0, to, "batches are built in the training thread, so none of the loading can "
                                                 "be hidden; loader threads build them while it computes"));
        if (c.prefetch_depth < 2) out.push_back(make("prefetch_depth", c.prefetch_depth, std::max(2, to), "lets those workers run ahead"));
        return;
    }
    if (c.prefetch_depth == 0) {
        out.push_back(make("prefetch_depth", 0, std::min(c.max_prefetch, std::max(2, c.workers)),
                           "with no batch allowed ahead, the workers cannot run ahead of the trainer"));
    }
    if (load_known && needed > c.workers) {
        const int to = std::min(cap, needed);
        if (to > c.workers) {
            out.push_back(make("workers", c.workers, to,
                               "a batch takes " + ms(load_ns) + " to build and the trainer uses one every " +
                                   ms(consume_ns) + ": the loader cannot keep up, however deep the queue"));
        }
        if (c.prefetch_depth > 0 && c.prefetch_depth < to) {
            out.push_back(make("prefetch_depth", c.prefetch_depth, to, "keeps every worker busy"));
        }
        return;
    }
    if (c.prefetch_depth > 0 && c.prefetch_depth < c.max_prefetch) {
        out.push_back(make("prefetch_depth", c.prefetch_depth, deeper_prefetch(c),
                           load_known ? "the loader keeps up on average (" + ms(load_ns) + " per batch on " +
                                            std::to_string(c.workers) + (c.workers == 1 ? " worker" : " workers") + "); a deeper queue absorbs its stalls"
                                      : "a deeper queue absorbs the loader's stalls"));
    }
    if (!load_known && c.workers < cap) {
        out.push_back(make("workers", c.workers, c.workers + 1, "if a deeper queue does not help, the loader is too slow"));
    }
}

}  // namespace

std::string_view bottleneck_name(Bottleneck b) noexcept {
    switch (b) {
        case Bottleneck::Unknown: return "unknown";
        case Bottleneck::InputBound: return "input-bound";
        case Bottleneck::PartlyInputBound: return "partly input-bound";
        case Bottleneck::CopyBound: return "copy-bound";
        case Bottleneck::ComputeBound: return "compute-bound";
        case Bottleneck::HostBound: return "host-bound";
    }
    return "unknown";
}

Bottleneck classify(const WindowSummary& w) noexcept {
    if (w.empty()) return Bottleneck::Unknown;
    const double wait = w.data_wait_share();
    if (wait >= kInputBoundShare) return Bottleneck::InputBound;
    if (wait >= kPartlyInputBoundShare) return Bottleneck::PartlyInputBound;
    const double compute = w.compute_share(), copy = w.copy_share(), host = w.host_share();
    if (copy > compute && copy >= host) return Bottleneck::CopyBound;
    if (host > compute && host > copy) return Bottleneck::HostBound;
    return Bottleneck::ComputeBound;
}

Verdict judge(const WindowSummary& w, const PipelineContext& c) {
    Verdict v;
    v.bottleneck = classify(w);
    switch (v.bottleneck) {
        case Bottleneck::Unknown: v.headline = "no iterations yet"; return v;
        case Bottleneck::InputBound:
        case Bottleneck::PartlyInputBound:
            v.headline = std::string(bottleneck_name(v.bottleneck)) + ": " + pct(w.data_wait_share()) +
                         " of each step waits for data";
            input_advice(w, c, v.advice);
            return v;
        case Bottleneck::CopyBound:
            v.headline = "copy-bound: copies take " + pct(w.copy_share()) + " of each step";
            if (c.gpu && !c.pinned_host_buffers)
                v.advice.push_back(make("pinned_memory", 0, 1, "use page-locked buffers: pageable copies are staged "
                                                               "through a bounce buffer and cannot overlap compute"));
            if (c.batch_size < c.max_batch && c.batch_size < 128)
                v.advice.push_back(make("batch_size", c.batch_size, bigger_batch(c), "fewer, larger copies carry less fixed cost each"));
            return v;
        case Bottleneck::ComputeBound:
            v.headline = "compute-bound: compute takes " + pct(w.compute_share()) + " of each step";
            if (c.gpu && c.batch_size < 128)
                v.advice.push_back(make("batch_size", c.batch_size, bigger_batch(c),
                                        "small batches leave most of the GPU idle in each kernel"));
            return v;
        case Bottleneck::HostBound:
            v.headline = "host-bound: host work between phases takes " + pct(w.host_share()) + " of each step";
            if (c.batch_size < c.max_batch)
                v.advice.push_back(make("batch_size", c.batch_size, bigger_batch(c),
                                        "the fixed cost per iteration (launches, bookkeeping) is shared by more samples"));
            return v;
    }
    return v;
}

}  // namespace batchscope::profiler
