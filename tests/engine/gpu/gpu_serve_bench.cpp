// GPU serving benchmark: MLP 784-256-128-10 (ReLU; or --model SPEC, e.g. mlp:256,128:gelu or
// cnn:32,64:fc=128, served as the layer stack) through the CUDA service of `infer --backend cuda`
// (engine/infer/gpu_service.h), batch-1 and batch-4 latency. Same protocol as
// tests/bench/bench_infer_gpu.py (PyTorch eager on the same GPU, same --model), so the two can be
// set side by side:
//   - weights: random (seed 0): the cost of a dense model does not depend on the values;
//   - requests: SYNTHETIC 28x28 8-bit images (the GPU machine has no dataset), taken in order;
//   - one call = scale the batch's pixels into page-locked memory, copy to the device, forward,
//     copy the logits back, wait, arg-max on the host: BatchService::serve;
//   - --warmup calls first, then --requests timed calls, back to back, on the host clock.
// Each batch size with CUDA graphs on (each batch size's copy in, forward and copy back replayed as
// one graph, the service's default; tuned path only) and off (one launch per copy and kernel), in
// the same run. Prints "RESULT impl=batchscope graphs=on|off batch=B p50_us=... p99_us=...
// h2d_us=... compute_us=... d2h_us=..." (the last three: CUDA-event means); graphs=off also when
// graphs were asked for but could not be used (a "NOTE" line says why). With the fake plugin
// (BS_FAKE_COMPUTE=emulate) it runs on the host: a check of the wiring, never a GPU figure.
// --cupti-overhead: instead, per batch size B, closed-loop streams of --requests requests with B
// outstanding and max batch B (InferenceRun, as `infer` serves) alternate CUPTI off (CUDA events)
// and on (each batch's GPU work tagged, records drained and joined per batch), three of each;
// one line "CUPTI serving batch=B p50_off_us=... p50_on_us=... overhead_pct=..." compares the best
// p50 of each, in the same run, with the records received and dropped and how many batches had
// their phases from records (graphs as the first --graphs mode says).
// Usage: gpu_serve_bench [--batches 1,4] [--requests 5000] [--warmup 200] [--graphs on|off|both] [--tf32]
//                        [--plugin PATH] [--model SPEC] [--cupti-overhead]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "batchscope/engine/infer/gpu_service.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/model/model.h"
#include "batchscope/profiler/clock.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;

namespace {

ImageDataset synthetic_images(int64_t n) {
    ImageDataset d;
    d.name = "synthetic 28x28";
    d.count = n;
    d.rows = d.cols = 28;
    d.classes = 10;
    std::mt19937 rng(1);
    d.pixels.resize(static_cast<size_t>(n) * 784);
    for (uint8_t& p : d.pixels) p = static_cast<uint8_t>(rng() & 0xff);
    for (int64_t i = 0; i < n; ++i) d.labels.push_back(static_cast<uint8_t>(i % 10));
    return d;
}

double percentile_us(std::vector<int64_t> v, double p) {
    std::sort(v.begin(), v.end());
    const size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
    return static_cast<double>(v[k]) / 1e3;
}

// Closed-loop streams with CUPTI off and on, alternating, on one service.
void cupti_overhead(std::shared_ptr<BatchService> service, const std::vector<int>& batches, int requests) {
    for (int b : batches) {
        double best[2] = {1e300, 1e300};
        InferResult last_on;
        for (int round = 0; round < 6; ++round) {
            const bool on = round % 2 == 1;
            InferConfig c;
            c.mode = LoadMode::Closed;
            c.concurrency = b;
            c.max_batch = b;
            c.requests = requests;
            c.cupti = on;
            const InferResult r = run_inference(c, service);
            best[on] = std::min(best[on], static_cast<double>(r.latency.value_ns(50)) / 1e3);
            if (on) last_on = r;
        }
        std::printf("CUPTI serving batch=%d p50_off_us=%.1f p50_on_us=%.1f overhead_pct=%.1f mode=%s records=%llu "
                    "dropped=%llu batches_from_records=%lld of %lld\n",
                    b, best[0], best[1], 100.0 * (best[1] - best[0]) / best[0], to_string(last_on.gpu_timing.mode),
                    static_cast<unsigned long long>(last_on.device.cupti_records),
                    static_cast<unsigned long long>(last_on.device.cupti_dropped),
                    static_cast<long long>(last_on.batches_from_records), static_cast<long long>(last_on.batches));
        if (last_on.gpu_timing.mode != batchscope::profiler::GpuTimingMode::Cupti)
            std::printf("  CUPTI did not trace: %s\n", last_on.gpu_timing.describe().c_str());
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> batches{1, 4};
    int requests = 5000, warmup = 200;
    std::vector<bool> graph_modes{true, false};
    GpuBackendOptions o;
    std::string spec;  // empty: the tuned path's MLP 784-256-128-10
    bool overhead = false;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (k == "--tf32") o.tf32 = true;
        else if (k == "--batches" && v) {
            batches.clear();
            std::stringstream ss(argv[++i]);
            for (std::string item; std::getline(ss, item, ',');) batches.push_back(std::atoi(item.c_str()));
        } else if (k == "--requests" && v) requests = std::max(100, std::atoi(argv[++i]));
        else if (k == "--warmup" && v) warmup = std::max(0, std::atoi(argv[++i]));
        else if (k == "--plugin" && v) o.plugin_path = argv[++i];
        else if (k == "--graphs" && v && std::string(v) == "on") graph_modes = {true}, ++i;
        else if (k == "--graphs" && v && std::string(v) == "off") graph_modes = {false}, ++i;
        else if (k == "--graphs" && v && std::string(v) == "both") graph_modes = {true, false}, ++i;
        else if (k == "--model" && v) spec = argv[++i];
        else if (k == "--cupti-overhead") overhead = true;
        else {
            std::fprintf(stderr, "usage: gpu_serve_bench [--batches 1,4] [--requests N] [--warmup N] "
                                 "[--graphs on|off|both] [--tf32] [--plugin PATH] [--model SPEC] [--cupti-overhead]\n");
            return 2;
        }
    }
    for (int b : batches)
        if (b < 1 || b > InferLimits::kMaxMaxBatch) {
            std::fprintf(stderr, "gpu_serve_bench: batch %d is not 1 to %d\n", b, InferLimits::kMaxMaxBatch);
            return 2;
        }
    std::unique_ptr<model::Model> model;
    try {
        model = spec.empty() ? model::wrap_mlp(Mlp({784, 256, 128, 10}, 0), model::Shape{1, 28, 28}, 0.9f)
                             : model::make_model(model::parse_model_spec(spec), model::Shape{1, 28, 28}, 10, {}, 0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gpu_serve_bench: --model %s: %s\n", spec.c_str(), e.what());
        return 2;
    }
    const ImageDataset images = synthetic_images(10000);
    for (const bool graphs : graph_modes) {
        std::string why;
        auto gpu = GpuBackend::open(o, why);
        if (!gpu) {
            std::fprintf(stderr, "gpu_serve_bench: %s\n", gpu_unavailable(why).c_str());
            return 1;
        }
        CheckpointInfo info;
        std::shared_ptr<BatchService> service =
            make_gpu_model_service(std::move(gpu), *model, info, images, spec.empty() ? "MLP 784-256-128-10" : "", graphs);
        std::printf("gpu_serve_bench: %s on %s\n", service->model().c_str(), service->backend().c_str());
        if (overhead) {
            cupti_overhead(service, batches, requests);
            return 0;
        }
        service->warm_up(*std::max_element(batches.begin(), batches.end()));
        int64_t next = 0;
        for (int b : batches) {
            std::vector<int64_t> samples(static_cast<size_t>(b));
            std::vector<int8_t> correct(samples.size());
            std::vector<int64_t> wall;
            double h2d = 0, compute = 0, d2h = 0;
            for (int i = 0; i < warmup + requests; ++i) {
                for (int64_t& s : samples) s = next++ % service->sample_count();
                const int64_t t0 = batchscope::profiler::now_ns();
                const BatchTiming t = service->serve(samples, correct);
                const int64_t t1 = batchscope::profiler::now_ns();
                if (i < warmup) continue;
                wall.push_back(t1 - t0);
                h2d += static_cast<double>(t.h2d_ns);
                compute += static_cast<double>(t.compute_ns);
                d2h += static_cast<double>(t.d2h_ns);
            }
            // The backend line says whether graphs were used to the end (a failed capture turns them off).
            const bool used = service->backend().find(", CUDA graphs") != std::string::npos;
            if (graphs && !used) std::printf("NOTE graphs asked for, not used: %s\n", service->backend().c_str());
            const double n = requests * 1e3;
            std::printf("RESULT impl=batchscope graphs=%s batch=%d p50_us=%.1f p99_us=%.1f h2d_us=%.2f compute_us=%.2f "
                        "d2h_us=%.2f\n",
                        used ? "on" : "off", b, percentile_us(wall, 50), percentile_us(wall, 99), h2d / n, compute / n,
                        d2h / n);
            std::fflush(stdout);
        }
    }
    return 0;
}
