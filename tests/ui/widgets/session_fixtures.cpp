#include "session_fixtures.h"

#include "batchscope/store/session_recorder.h"

namespace bs_ui_test {

using namespace batchscope::store;

int64_t record_train_session(const std::string& db, const std::string& name, int batch, int prefetch,
                             int iterations, double wait_ms, double compute_ms) {
    SessionMeta meta;
    meta.name = name;
    meta.mode = "train";
    meta.model = "mlp";
    meta.dataset = "fashion-mnist";
    meta.backend = "cpu";
    meta.storage = "page-cache";
    meta.config_json = "{\"batch_size\":" + std::to_string(batch) + ",\"prefetch_depth\":" + std::to_string(prefetch) +
                       ",\"workers\":2,\"storage\":\"page-cache\"}";
    meta.env_json = "{\"cpu\":\"test\"}";
    SessionRecorder rec(db, meta);
    const auto wait = static_cast<int64_t>(wait_ms * 1e6), compute = static_cast<int64_t>(compute_ms * 1e6);
    int64_t t = 1'000'000'000;
    for (int i = 0; i < iterations; ++i) {
        IterationRow r;
        r.iteration = i;
        r.epoch = 1;
        r.batch_size = batch;
        r.start_ns = t;
        r.data_wait_ns = wait;
        r.compute_ns = compute;
        r.host_ns = 50'000;
        r.wall_ns = wait + compute + r.host_ns;
        r.loss = 2.3 - 1.5 * i / iterations;
        rec.add(r);
        t += r.wall_ns;
    }
    EpochRow e;
    e.epoch = 1;
    e.train_loss = 1.2;
    e.test_accuracy = 0.8;
    e.iterations = iterations;
    e.samples = int64_t(iterations) * batch;
    e.wall_s = double(t - 1'000'000'000) / 1e9;
    e.samples_per_s = double(e.samples) / e.wall_s;
    rec.add(e);
    rec.finish("finished");
    return rec.session_id();
}

int64_t record_infer_session(const std::string& db, const std::string& name, int requests) {
    SessionMeta meta;
    meta.name = name;
    meta.mode = "infer";
    meta.model = "mlp";
    meta.dataset = "fashion-mnist";
    meta.backend = "cpu";
    meta.config_json = "{\"rate\":1000,\"max_batch\":8,\"queue_delay_us\":200}";
    SessionRecorder rec(db, meta);
    for (int i = 0; i < requests; ++i) {
        RequestRow r;
        r.request_id = i;
        r.scheduled_ns = int64_t(i) * 1'000'000;
        r.issued_ns = r.scheduled_ns;
        r.compute_ns = 50'000;
        r.latency_ns = (100 + i) * 1000;
        r.batch_size = 1 + i % 8;
        rec.add(r);
    }
    rec.finish("finished");
    return rec.session_id();
}

}  // namespace bs_ui_test
