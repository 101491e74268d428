#pragma once
// An inference stream on its own threads: a controller that generates the load (open loop,
// closed loop or offline) and a server that takes batches from the dynamic batcher and serves
// them. Knob changes are queued as commands, applied at once by the controller and recorded as
// KnobChange markers; readers pull immutable snapshots and never block the run.
#include <memory>
#include <string>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/engine/infer/infer_snapshot.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::engine::infer {

class InferenceRun {
public:
    // `service` null: start() loads config.checkpoint and the Fashion-MNIST test split.
    explicit InferenceRun(InferConfig config, std::shared_ptr<BatchService> service = nullptr);
    ~InferenceRun();  // stops and joins
    InferenceRun(const InferenceRun&) = delete;
    InferenceRun& operator=(const InferenceRun&) = delete;

    void set_sink(std::shared_ptr<InferSink> sink);  // before start()

    void start();
    void stop();  // stops issuing; requests still queued are dropped (counted)
    void wait();  // blocks until the run ends (not for the GUI thread)

    // Live knobs: empty when queued, else why refused (out of range). Recorded as knob "rate"
    // (requests/s, rounded), "concurrency", "max_batch", "queue_delay_us".
    std::string set_rate(double requests_per_s);
    std::string set_concurrency(int n);
    std::string set_max_batch(int n);
    std::string set_queue_delay_us(int64_t us);
    // Any live inference knob of the registry (knobs/knob.h).
    std::string set_knob(knobs::Knob knob, double value);

    // Never blocks on the run: at most a pointer copy under a tiny lock.
    std::shared_ptr<const InferSnapshot> snapshot() const;
    // The final result (exact percentiles, records if kept); null until the run has ended.
    std::shared_ptr<const InferResult> result() const;

    const InferConfig& config() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// Runs a stream to its end on the calling thread's behalf. Throws std::runtime_error with the
// run's message when it fails.
InferResult run_inference(const InferConfig& config, std::shared_ptr<BatchService> service,
                          std::shared_ptr<InferSink> sink = nullptr);

}  // namespace batchscope::engine::infer
