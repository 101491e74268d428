#include "batchscope/profiler/verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "pipeline_model.h"

namespace batchscope::profiler {
namespace {

using detail::PipelineModel;

constexpr double kWorthwhileGain = 0.05;  // advice predicted to gain less samples/s than this is not given

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

std::string mib(double bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f MiB", bytes / (1024.0 * 1024.0));
    return buf;
}

std::string thousands(double v) {
    std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
    std::string out;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i) {
        out += digits[i];
        if (digits[0] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n) out += ',';
    }
    return out;
}

std::string workers_words(int n) { return std::to_string(n) + (n == 1 ? " worker" : " workers"); }

using knobs::Knob;

Advice make(Knob knob, int64_t from, int64_t to, const std::string& why, Prediction expected = {}) {
    Advice a{knob, from, to, {}, std::move(expected)};
    a.text = describe(a.marker()) + ": " + why;
    return a;
}

int core_cap(const PipelineContext& c) {
    int cap = c.max_workers;
    if (c.cpu_cores > 0) cap = std::min(cap, std::max(1, c.cpu_cores));
    return cap;
}

double gain(const Prediction& p, const WindowSummary& w) {
    const double now = w.samples_per_s();
    return p.valid() && now > 0 ? p.samples_per_s / now - 1.0 : 0.0;
}

// The fewest workers (above the current count) that reach 95% of the best the model predicts.
int workers_to_try(const PipelineModel& m, const PipelineContext& c) {
    const int cap = std::max(c.workers, c.max_workers);
    double best = detail::predicted_step(m, c.workers, c.prefetch_depth);
    for (int n = c.workers + 1; n <= cap; ++n) best = std::min(best, detail::predicted_step(m, n, c.prefetch_depth));
    for (int n = c.workers + 1; n <= cap; ++n)
        if (detail::predicted_step(m, n, c.prefetch_depth) <= best / 0.95) return n;
    return c.workers;
}

std::string loader_words(const PipelineModel& m) {
    return "a batch takes " + ms(m.load_ns) + " of loading (" + pct(m.storage_ns / m.load_ns) + " of it waiting on storage)";
}

// Batch size x 4 (up to the knob's limit), when its prediction gains enough. `handoff`: the window
// waits for data only for the hand-off of each batch, which a larger batch pays once for more samples.
void batch_advice(const WindowSummary& w, const PipelineContext& c, const std::string& why, Verdict& v, bool handoff = false) {
    const int to = std::min(c.max_batch, std::max(1, c.batch_size) * 4);
    if (to <= c.batch_size) return;
    const PipelineModel m = detail::model_of(w, c);
    std::string cost;
    if (c.activation_bytes > 0)
        cost = " (costs about " + mib(static_cast<double>(c.activation_bytes) * (static_cast<double>(to) / c.batch_size - 1)) +
               " more activation memory)";
    const double factor = static_cast<double>(to) / c.batch_size;
    const std::string host_words =
        "the host's " + ms(static_cast<double>(w.total.host_ns) / static_cast<double>(std::max<int64_t>(1, w.iterations))) +
        " per step is shared by " + std::to_string(to) + " samples";
    const int64_t now_ns = c.compute_at(c.batch_size), to_ns = c.compute_at(to);
    double ratio = 0;  // compute at `to` over compute now; 0: not timed, compute taken to grow with the batch
    std::string reason;
    if (now_ns > 0 && to_ns > 0) {
        // A faster pass at the larger size is timing noise: compute does not shrink with more samples.
        ratio = std::max(1.0, static_cast<double>(to_ns) / static_cast<double>(now_ns));
        char grows[96];
        std::snprintf(grows, sizeof grows, "compute grows %.1f× for %.0f× the samples", ratio, factor);
        reason = "a forward pass took " + ms(static_cast<double>(now_ns)) + " at " + std::to_string(c.batch_size) + " and " +
                 ms(static_cast<double>(to_ns)) + " at " + std::to_string(to) + " (timed on synthetic input): " + grows +
                 "; " + host_words;
    } else {
        reason = host_words + ", the rest is assumed to grow with the batch (a lower bound)";
    }
    if (handoff) reason += "; the hand-off's " + ms(m.wait_ns) + " per step stays while the workers keep up";
    Prediction p = detail::predict_batch(m, w, c.workers, factor, ratio, handoff, std::move(reason));
    if (gain(p, w) >= kWorthwhileGain) v.advice.push_back(make(Knob::BatchSize, c.batch_size, to, why + cost, p));
}

void in_thread_advice(const WindowSummary& w, const PipelineContext& c, const PipelineModel& m, Verdict& v) {
    v.diagnosis = "batches are built in the training thread, so none of the loading is hidden behind compute";
    if (m.load_known()) v.diagnosis += ": " + loader_words(m) + " against " + ms(m.own_ns) + " of training per step";
    const bool storage_bound = m.load_known() && m.storage_ns >= kStorageBound * m.load_ns;
    int to = std::min(core_cap(c), 2);
    if (m.load_known()) {
        PipelineContext with = c;
        with.workers = 0;
        to = std::max(1, workers_to_try(m, with));
        if (!storage_bound) to = std::min(to, core_cap(c));
    }
    Prediction p = detail::predict_pipeline(
        m, to, c.prefetch_depth, m.load_known() ? loader_words(m) + "; " + workers_words(to) + " deliver one every " +
                                           ms(detail::loader_interval(m, to)) + " while the trainer needs one every " +
                                           ms(m.own_ns)
                                     : std::string());
    v.advice.push_back(make(Knob::Workers, 0, to, "loader threads build the batches while the trainer computes", p));
    if (c.prefetch_depth < 2)  // no prediction: it is a second change, after the workers
        v.advice.push_back(make(Knob::PrefetchDepth, c.prefetch_depth, 2, "then lets those workers build batches ahead"));
    (void)w;
}

void input_advice(const WindowSummary& w, const PipelineContext& c, Verdict& v) {
    const PipelineModel m = detail::model_of(w, c);
    if (c.workers == 0) return in_thread_advice(w, c, m, v);
    const bool dry_known = c.queue_dry_share >= 0;
    const bool dry = c.prefetch_depth == 0 || (dry_known && c.queue_dry_share >= kQueueDry);
    if (!m.load_known()) {
        v.diagnosis = "the loader's per-batch times are not known for this window";
        if (c.prefetch_depth == 0)
            v.advice.push_back(make(Knob::PrefetchDepth, 0, std::min(c.max_prefetch, std::max(2, c.workers)),
                                    "with no batch allowed ahead, the workers cannot run ahead of the trainer"));
        else
            v.note = "without the loader's figures no knob can be judged: watch Live → Pipeline while it runs";
        return;
    }
    const double busy = m.load_ns / (c.workers * std::max(1.0, m.step_ns));
    const double storage = m.storage_ns / m.load_ns;
    const double interval = detail::loader_interval(m, c.workers);
    const bool saturated = busy >= kWorkersSaturated || interval > m.own_ns;
    const double cpu_demand = c.cpu_cores > 0 ? (m.trainer_cpu_ns + m.cpu_ns) / (c.cpu_cores * m.step_ns) : 0;
    v.diagnosis = (c.workers == 1 ? "the worker was" : "the " + std::to_string(c.workers) + " workers were") + " busy " +
                  pct(std::min(1.0, busy)) + " of the time; " + loader_words(m) + ", one every " + ms(interval) + " from " +
                  workers_words(c.workers) + ", and the trainer uses one every " + ms(m.own_ns);
    if (dry_known) v.diagnosis += "; the queue was empty at the start of " + pct(c.queue_dry_share) + " of the steps";
    if (c.cpu_cores > 0) v.diagnosis += "; the " + std::to_string(c.cpu_cores) + " cores are " + pct(std::min(1.0, cpu_demand)) + " used";

    std::vector<Advice> candidates;
    if (dry && !saturated && c.prefetch_depth < c.max_prefetch) {
        const int to = c.prefetch_depth == 0 ? std::min(c.max_prefetch, std::max(2, c.workers))
                                             : std::min(c.max_prefetch, c.prefetch_depth < 2 ? 4 : c.prefetch_depth * 2);
        Prediction p = detail::predict_pipeline(m, c.workers, to,
                                                "the workers deliver a batch every " + ms(interval) + " and the trainer uses one every " +
                                                    ms(m.own_ns) + ": with batches built ahead the wait is the difference");
        candidates.push_back(make(Knob::PrefetchDepth, c.prefetch_depth, to,
                                  c.prefetch_depth == 0 ? "nothing is built ahead, so the trainer waits for every batch while the workers idle"
                                                        : "the queue runs dry while the workers idle: let them build further ahead",
                                  p));
    }
    if (saturated) {
        const int to = workers_to_try(m, c);
        if (to > c.workers) {
            const bool beyond = c.cpu_cores > 0 && to > c.cpu_cores;
            Prediction p = detail::predict_pipeline(m, to, c.prefetch_depth,
                                                    loader_words(m) + "; " + workers_words(to) + " deliver one every " +
                                                        ms(detail::loader_interval(m, to)) + ", the trainer needs one every " +
                                                        ms(m.own_ns));
            candidates.push_back(make(Knob::Workers, c.workers, to,
                                      storage >= kStorageBound
                                          ? std::string("the workers spend most of their time waiting on storage; more of them overlap more reads") +
                                                (beyond ? " (beyond the core count: waiting uses no core)" : "")
                                          : "the workers cannot keep up and there are cores to spare",
                                      p));
        }
    }
    for (Advice& a : candidates)
        if (gain(a.expected, w) >= kWorthwhileGain) v.advice.push_back(std::move(a));
    std::stable_sort(v.advice.begin(), v.advice.end(),
                     [](const Advice& a, const Advice& b) { return a.expected.samples_per_s > b.expected.samples_per_s; });
    if (!v.advice.empty()) return;
    if (saturated && storage >= kStorageBound)
        v.note = "the loader waits on storage and more workers would not overlap more reads (" +
                 (c.storage.empty() ? std::string("the storage") : c.storage) +
                 (c.storage_parallelism > 0 ? " serves " + std::to_string(c.storage_parallelism) + " reads at once" : std::string(" is the limit")) +
                 "): only faster storage helps";
    else if (saturated)
        v.note = "the loader's CPU work uses up the cores: nothing on this machine helps but lighter decoding (smaller "
                 "images, uint8 batches, fewer augmentations) or more cores";
    else {
        if (c.batch_size < kSmallBatch)
            batch_advice(w, c, "the hand-off of each batch and the step's fixed costs are shared by more samples", v, true);
        if (v.advice.empty())
            v.note = "the workers keep up and the queue has batches ready: the wait is the hand-off (waking the trainer, the "
                     "loader's lock, other threads on the cores), not loading; no knob is likely to help";
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
            input_advice(w, c, v);
            return v;
        case Bottleneck::CopyBound:
            v.headline = "copy-bound: copies take " + pct(w.copy_share()) + " of each step";
            if (c.gpu && !c.pinned_host_buffers) {
                const PipelineModel m = detail::model_of(w, c);
                const double n = static_cast<double>(std::max<int64_t>(1, w.iterations));
                const double copy = static_cast<double>(w.total.h2d_ns + w.total.d2h_ns) / n;
                Prediction p;
                p.step_ns = m.step_ns - copy / 2;  // page-locked copies taken as twice as fast as pageable ones
                p.samples_per_s = m.batch * 1e9 / p.step_ns;
                p.data_wait_share = m.wait_ns / p.step_ns;
                p.reason = "copies take " + ms(copy) + " per step; page-locked copies are taken to run twice as fast (typical over PCIe)";
                v.advice.push_back(make(Knob::PinnedMemory, 0, 1, "use page-locked buffers: pageable copies are staged "
                                                               "through a bounce buffer and cannot overlap compute", p));
            }
            if (c.batch_size < kSmallBatch) batch_advice(w, c, "fewer, larger copies carry less fixed cost each", v);
            return v;
        case Bottleneck::ComputeBound:
            v.headline = "compute-bound: compute takes " + pct(w.compute_share()) + " of each step";
            if (c.batch_size < kSmallBatch)
                batch_advice(w, c, c.gpu ? "small batches leave most of the GPU idle in each kernel"
                                         : "small batches pay each step's fixed costs for few samples",
                             v);
            return v;
        case Bottleneck::HostBound:
            v.headline = "host-bound: host work between phases takes " + pct(w.host_share()) + " of each step";
            batch_advice(w, c, "the fixed cost per iteration (launches, bookkeeping) is shared by more samples", v);
            return v;
    }
    return v;
}

std::string describe(const Prediction& p) {
    if (!p.valid()) return {};
    return "step " + ms(p.step_ns) + ", " + thousands(p.samples_per_s) + " samples/s, data wait " + pct(p.data_wait_share);
}

PredictionCheck check_prediction(const Prediction& p, const WindowSummary& after) {
    PredictionCheck c;
    c.predicted_samples_per_s = p.samples_per_s;
    c.predicted_wait_share = p.data_wait_share;
    c.measured_samples_per_s = after.samples_per_s();
    c.measured_wait_share = after.data_wait_share();
    c.error = c.measured_samples_per_s > 0 ? std::abs(c.measured_samples_per_s - c.predicted_samples_per_s) / c.measured_samples_per_s : 0;
    c.text = "predicted " + thousands(c.predicted_samples_per_s) + " samples/s, data wait " + pct(c.predicted_wait_share) +
             "; measured " + thousands(c.measured_samples_per_s) + " samples/s, data wait " + pct(c.measured_wait_share) +
             " (error " + pct(c.error) + ")";
    return c;
}

}  // namespace batchscope::profiler
