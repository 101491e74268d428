#include "pipeline_model.h"

#include <algorithm>
#include <cmath>

namespace batchscope::profiler::detail {

PipelineModel model_of(const WindowSummary& w, const PipelineContext& c) {
    PipelineModel m;
    const double n = static_cast<double>(std::max<int64_t>(1, w.iterations));
    m.step_ns = static_cast<double>(w.total.wall_ns) / n;
    m.wait_ns = static_cast<double>(w.total.data_wait_ns) / n;
    m.own_ns = std::max(0.0, m.step_ns - m.wait_ns);
    const double compute = static_cast<double>(w.total.compute_ns) / n;
    // A GPU computes on the device: the host thread launches and waits, one core at most.
    const int threads = c.gpu ? 1 : std::max(1, c.compute_threads);
    m.trainer_cpu_ns = c.gpu ? m.own_ns : compute * threads + (m.own_ns - compute);
    m.batch = static_cast<double>(w.samples) / n;
    m.cores = c.cpu_cores;
    m.parallelism = c.storage_parallelism;
    if (c.batches_loaded > 0 && c.load_ns() > 0) {
        const double b = static_cast<double>(c.batches_loaded);
        m.load_ns = static_cast<double>(c.load_ns()) / b;
        m.storage_ns = c.read_waits ? static_cast<double>(c.read_ns) / b : 0;
        m.cpu_ns = m.load_ns - m.storage_ns;
    } else if (c.batches_loaded > 0 && c.loader_busy_ns > 0) {  // the build spans only: CPU work assumed
        m.load_ns = static_cast<double>(c.loader_busy_ns) / static_cast<double>(c.batches_loaded);
        m.cpu_ns = m.load_ns;
    }
    return m;
}

double loader_interval(const PipelineModel& m, int workers) {
    if (workers <= 0) return m.load_ns;
    double t = m.load_ns / workers;
    // Reads beyond what the storage serves at once queue for it.
    if (m.parallelism > 0) t = std::max(t, m.storage_ns / m.parallelism);
    // The loader's CPU work cannot run on more cores than there are.
    if (m.cores > 0) t = std::max(t, m.cpu_ns / std::min(workers, m.cores));
    return t;
}

double predicted_step(const PipelineModel& m, int workers, int prefetch) {
    if (workers <= 0) return m.own_ns + m.load_ns;  // built in the trainer's thread: nothing overlaps
    if (prefetch <= 0) {
        // Nothing is built ahead: the trainer waits for each batch, which the workers build side by
        // side in chunks of at least 8 samples.
        const int chunks = std::max(1, static_cast<int>(m.batch / 8));
        return m.own_ns + loader_interval(m, std::min(workers, chunks));
    }
    double step = std::max(m.own_ns, loader_interval(m, workers));
    // Loader and trainer share the cores: together they need this much CPU time per step.
    if (m.cores > 0) step = std::max(step, (m.trainer_cpu_ns + m.cpu_ns) / m.cores);
    return step;
}

namespace {

Prediction make_prediction(double step, double own, double batch, std::string reason) {
    Prediction p;
    p.step_ns = step;
    p.samples_per_s = step > 0 ? batch * 1e9 / step : 0;
    p.data_wait_share = step > 0 ? std::clamp((step - own) / step, 0.0, 1.0) : 0;
    p.reason = std::move(reason);
    return p;
}

}  // namespace

Prediction predict_pipeline(const PipelineModel& m, int workers, int prefetch, std::string reason) {
    if (!m.load_known() || m.step_ns <= 0) return {};
    return make_prediction(predicted_step(m, workers, prefetch), m.own_ns, m.batch, std::move(reason));
}

Prediction predict_batch(const PipelineModel& m, const WindowSummary& w, int workers, double factor, double compute_ratio,
                         bool handoff, std::string reason) {
    if (m.step_ns <= 0 || factor <= 0) return {};
    const double n = static_cast<double>(std::max<int64_t>(1, w.iterations));
    const double host = static_cast<double>(w.total.host_ns) / n;
    const double compute = std::min(static_cast<double>(w.total.compute_ns) / n, std::max(0.0, m.own_ns - host));
    const double rest = std::max(0.0, m.own_ns - host - compute);  // copies (and device work of imported traces)
    const double grow = compute_ratio > 0 ? compute_ratio : factor;
    const double own = host + rest * factor + compute * grow;
    double wait = m.wait_ns * factor;  // loading grows with the batch too
    if (handoff) wait = m.load_known() ? std::max(m.wait_ns, loader_interval(m, workers) * factor - own) : m.wait_ns;
    return make_prediction(own + wait, own, m.batch * factor, std::move(reason));
}

}  // namespace batchscope::profiler::detail
