#pragma once
// Keeps the served requests of a run for the serving verdict (serving_verdict.h), passing every
// call on to another sink (the session recorder) when one is given. Thread-safe: on_batch comes
// from the server thread, readers copy what they need.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "batchscope/engine/infer/infer_sink.h"

namespace batchscope::engine::infer {

class RequestWindowSink : public InferSink {
public:
    // Keeps the last `keep` requests (oldest dropped first).
    explicit RequestWindowSink(std::shared_ptr<InferSink> inner = nullptr, size_t keep = 2'000'000)
        : inner_(std::move(inner)), keep_(keep) {}

    void on_batch(std::span<const RequestRecord> served) override;
    void on_knob_change(const KnobChange& k) override;
    void on_end(RunState state, const std::string& message, const InferResult& result) override;
    bool wants_events() const override { return inner_ && inner_->wants_events(); }
    void on_events(std::span<const profiler::Event> events) override {
        if (inner_) inner_->on_events(events);
    }
    void on_device_records(std::span<const profiler::GpuActivity> records) override {
        if (inner_) inner_->on_device_records(records);
    }

    // The kept requests with id in [first, end).
    std::vector<RequestRecord> between(int64_t first, int64_t end = INT64_MAX) const;
    // The kept requests answered at or after `done_from_ns` whose id is `first_id` or more.
    std::vector<RequestRecord> answered_since(int64_t done_from_ns, int64_t first_id = 0) const;
    int64_t served() const;  // requests seen so far

private:
    std::shared_ptr<InferSink> inner_;
    size_t keep_;
    mutable std::mutex m_;
    std::deque<RequestRecord> recs_;
    int64_t served_ = 0;
};

}  // namespace batchscope::engine::infer
