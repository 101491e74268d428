#pragma once
// What the emulated GPU serving tests share (gpu_serving*_test.cpp): the plugin they serve on (the
// fake one beside the test, EMULATED; the usual search with BS_USE_REAL_PLUGIN=1, on a GPU), every
// test sample served once in batches, and a sink that keeps a stream's trace events.
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <span>
#include <vector>

#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/engine/infer/service.h"

namespace bs_test {

inline bool real_plugin() { return std::getenv("BS_USE_REAL_PLUGIN") != nullptr; }

inline void use_serving_plugin() {
    if (real_plugin()) unsetenv("BATCHSCOPE_GPU_PLUGIN");  // the usual search: a GPU (run_device_checks.sh)
    else
        setenv("BATCHSCOPE_GPU_PLUGIN",
               (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).c_str(), 1);
}

// The fake plugin's kernels emulated on the host, its CUDA events on the host clock (EMULATED
// times), a 200 MB fake device, and the plugin to serve on.
inline void emulate_serving_gpu() {
    setenv("BS_FAKE_COMPUTE", "emulate", 1);
    setenv("BS_FAKE_EVENT_CLOCK", "host", 1);
    setenv("BS_FAKE_DEVICE_BYTES", "200000000", 1);
    use_serving_plugin();
}

// Every test sample once, in batches of b: which were answered right.
inline std::vector<int8_t> serve_all(batchscope::engine::infer::BatchService& s, int b) {
    std::vector<int8_t> all;
    for (int64_t first = 0; first < s.sample_count(); first += b) {
        std::vector<int64_t> samples;
        for (int64_t i = first; i < std::min<int64_t>(first + b, s.sample_count()); ++i) samples.push_back(i);
        std::vector<int8_t> correct(samples.size(), -1);
        s.serve(samples, correct);
        all.insert(all.end(), correct.begin(), correct.end());
    }
    return all;
}

// Keeps the trace events the server hands a sink.
class EventSink final : public batchscope::engine::infer::InferSink {
public:
    void on_batch(std::span<const batchscope::engine::infer::RequestRecord>) override {}
    void on_knob_change(const batchscope::engine::KnobChange&) override {}
    void on_end(batchscope::engine::RunState, const std::string&, const batchscope::engine::infer::InferResult&) override {}
    bool wants_events() const override { return true; }
    void on_events(std::span<const batchscope::profiler::Event> e) override {
        std::lock_guard lock(m);
        events.insert(events.end(), e.begin(), e.end());
    }
    std::mutex m;
    std::vector<batchscope::profiler::Event> events;
};

}  // namespace bs_test
