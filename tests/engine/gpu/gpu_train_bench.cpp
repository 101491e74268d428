// GPU training benchmark: MLP 784-256-128-10 (ReLU, softmax cross-entropy, SGD lr 0.05
// momentum 0.9) through GpuBackend, samples/s per batch size. Same protocol as
// tests/bench/bench_train_gpu.py (PyTorch on the same GPU), so the two can be set side by side:
//   - inputs: SYNTHETIC, 60000 samples of 784 uniform [0,1) floats with random labels, held in
//     page-locked host memory like PyTorch's pinned tensor (--pageable: ordinary memory, copied
//     into a page-locked slot first); the GPU machine has no dataset; batches are taken in order;
//   - every iteration copies its batch host -> device asynchronously on the copy stream, which
//     overlaps the previous batch's compute;
//   - the loss of every iteration is read back one iteration late: after queueing step k the host
//     waits for step k-1 and reads its loss (the PyTorch side waits the same way);
//   - samples/s from the end of iteration `warmup` to the end of the epoch, GPU work included
//     (an epoch of at most 2 x warmup iterations skips a quarter of them instead).
// Prints one line per batch size: "RESULT impl=batchscope batch=B samples_per_s=... ...".
// --cupti-overhead: per batch size, epochs alternate CUPTI off and on (the plugin's collector
// started, each iteration's GPU work tagged with its id, records drained every 5 ms and folded
// into the kernel/copy tables and stream-lane events, a forced flush at the end of the epoch, as
// a training run does) and one line "CUPTI batch=B off=... on=... overhead_pct=..." compares the
// best epoch of each, in the same run. Through the fake plugin (emulated kernels) the figures
// mean nothing: it is a smoke test of the path.
// Usage: gpu_train_bench [--batches 32,128,512,4096] [--samples 60000] [--epochs 1]
//                        [--warmup 20] [--tf32] [--pageable] [--cupti-overhead] [--plugin PATH]
#include "batchscope/engine/gpu_backend.h"
#include "batchscope/engine/gpu_mlp.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/engine/plugin_cupti_collector.h"
#include "batchscope/profiler/gpu_activity_tables.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace batchscope::engine;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::vector<int> batches{32, 128, 512, 4096};
    int samples = 60000, epochs = 1, warmup = 20;
    bool tf32 = false, pageable = false, cupti_overhead = false;
    std::string plugin;
};

int usage(const char* why) {
    std::fprintf(stderr, "gpu_train_bench: %s\nusage: gpu_train_bench [--batches 32,128,512,4096] [--samples N] "
                         "[--epochs N] [--warmup N] [--tf32] [--pageable] [--cupti-overhead] [--plugin PATH]\n",
                 why);
    return 2;
}

bool parse(int argc, char** argv, Args& a) {
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (k == "--tf32") {
            a.tf32 = true;
        } else if (k == "--pageable") {
            a.pageable = true;
        } else if (k == "--cupti-overhead") {
            a.cupti_overhead = true;
        } else if (k == "--batches") {
            const char* v = value();
            if (!v) return false;
            a.batches.clear();
            std::stringstream ss(v);
            for (std::string item; std::getline(ss, item, ',');) a.batches.push_back(std::atoi(item.c_str()));
        } else if (k == "--samples" || k == "--epochs" || k == "--warmup") {
            const char* v = value();
            if (!v) return false;
            (k == "--samples" ? a.samples : k == "--epochs" ? a.epochs : a.warmup) = std::atoi(v);
        } else if (k == "--plugin") {
            const char* v = value();
            if (!v) return false;
            a.plugin = v;
        } else {
            return false;
        }
    }
    for (int b : a.batches)
        if (b <= 0) return false;
    return a.samples > 0 && a.epochs > 0 && a.warmup >= 0 && !a.batches.empty();
}

struct EpochResult {
    double samples_per_s = 0, iter_ms = 0, loss = 0;
    int iters = 0;
};

// What a training run does with CUPTI records: drain every 5 ms, fold them into the tables and
// stream-lane events (kept bounded here), a forced flush at the end.
struct CuptiSink {
    PluginCuptiCollector* collector = nullptr;
    std::vector<batchscope::profiler::GpuActivity> drained;
    std::vector<batchscope::profiler::Event> events;
    batchscope::profiler::GpuActivityTables tables;
    batchscope::profiler::StreamLanes lanes;
    Clock::time_point last{};
    void poll(bool forced) {
        if (!collector) return;
        const auto now = Clock::now();
        if (!forced && now - last < std::chrono::milliseconds(5)) return;
        last = now;
        if (forced) collector->flush(true);
        drained.clear();
        collector->drain(drained);
        tables.add(drained);
        if (events.size() > (1u << 20)) events.clear();
        batchscope::profiler::append_events(drained, lanes, events);
    }
};

// One epoch, pipelined: the next batch is staged (copy queued) before this one's loss is read.
EpochResult run_epoch(GpuBackend& gpu, GpuMlp& g, const float* x, const int32_t* y, bool pinned, int samples, int batch,
                      int warmup, CuptiSink* cupti = nullptr) {
    const int iters = (samples + batch - 1) / batch;
    if (iters <= 2 * warmup) warmup = iters / 4;
    auto stage = [&](int it) {
        const size_t off = static_cast<size_t>(it) * batch;
        const int rows = std::min(batch, samples - it * batch);
        return pinned ? g.stage_pinned(x + off * 784, y + off, rows) : g.stage(x + off * 784, y + off, rows);
    };
    auto rows = [&](int it) { return std::min(batch, samples - it * batch); };
    EpochResult r;
    r.iters = iters;
    Clock::time_point t0 = Clock::now();
    double loss_sum = 0;
    int steady_samples = 0;
    gpu.set_work_id(0);
    int slot = stage(0), prev = -1;
    for (int it = 0; it < iters; ++it) {
        if (it == warmup) t0 = Clock::now();
        gpu.set_work_id(it);
        g.step(slot, 0.05f, 0.9f);
        gpu.set_work_id(-1);
        // The previous step's loss: waits for that step only (this one stays queued), and frees
        // its slot for the next batch.
        if (prev >= 0) loss_sum += static_cast<double>(g.loss(prev)) * rows(it - 1);
        int next = -1;
        gpu.set_work_id(it + 1);
        if (it + 1 < iters) next = stage(it + 1);
        gpu.set_work_id(-1);
        if (it >= warmup) steady_samples += rows(it);
        if (cupti) cupti->poll(false);
        prev = slot;
        slot = next;
    }
    loss_sum += static_cast<double>(g.loss(prev)) * rows(iters - 1);  // the epoch ends when its last step has
    if (cupti) cupti->poll(true);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const int steady_iters = iters - warmup;
    r.samples_per_s = steady_samples / s;
    r.iter_ms = s * 1e3 / steady_iters;
    r.loss = loss_sum / samples;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    if (!parse(argc, argv, a)) return usage("bad arguments");
    GpuBackendOptions o;
    o.plugin_path = a.plugin;
    o.tf32 = a.tf32;
    std::string why;
    auto gpu = GpuBackend::open(o, why);
    if (!gpu) {
        std::fprintf(stderr, "gpu_train_bench: no GPU: %s\n", why.c_str());
        return 3;
    }
    std::printf("# %s | %s | synthetic inputs in %s host memory, %d samples, warm-up %d iterations\n",
                gpu->probe().summary().c_str(), a.tf32 ? "TF32" : "FP32", a.pageable ? "pageable" : "page-locked",
                a.samples, a.warmup);
    const std::vector<int> widths{784, 256, 128, 10};
    try {
        std::vector<float> x_pageable;
        std::vector<int32_t> y_pageable;
        PinnedBuffer x_pinned, y_pinned;
        float* x = nullptr;
        int32_t* y = nullptr;
        const size_t n = static_cast<size_t>(a.samples);
        if (a.pageable) {
            x_pageable.resize(n * 784);
            y_pageable.resize(n);
            x = x_pageable.data();
            y = y_pageable.data();
        } else {
            x_pinned = gpu->pinned_floats(n * 784);
            y_pinned = gpu->pinned(n * sizeof(int32_t));
            x = x_pinned.floats();
            y = y_pinned.ints();
        }
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> u(0.f, 1.f);
        for (size_t i = 0; i < n * 784; ++i) x[i] = u(rng);
        for (size_t i = 0; i < n; ++i) y[i] = static_cast<int32_t>(rng() % 10u);
        for (int batch : a.batches) {
            Mlp init(widths, 0);
            GpuMlp g(*gpu, widths, batch);
            g.load_from(init);
            EpochResult best;
            if (a.cupti_overhead) {
                // Off, on, off, on...: both see the same warm-up and drift.
                EpochResult off, on;
                uint64_t records = 0, dropped = 0;
                std::string why_not;
                for (int e = 0; e < 2 * a.epochs; ++e) {
                    CuptiSink sink;
                    PluginCuptiCollector collector(gpu->cupti_api());
                    if (e % 2 == 1) {
                        if (!collector.start(why_not)) break;
                        gpu->attach_cupti(&collector);
                        sink.collector = &collector;
                    }
                    const EpochResult r =
                        run_epoch(*gpu, g, x, y, !a.pageable, a.samples, batch, a.warmup, sink.collector ? &sink : nullptr);
                    gpu->attach_cupti(nullptr);
                    EpochResult& keep = e % 2 == 1 ? on : off;
                    if (r.samples_per_s > keep.samples_per_s) keep = r;
                    if (sink.collector) {
                        const BsCuptiStats st = collector.stats();
                        records += st.records;
                        dropped += st.dropped + st.queue_dropped;
                    }
                }
                if (on.samples_per_s <= 0) {
                    std::printf("CUPTI batch=%d unavailable: %s\n", batch, why_not.c_str());
                } else {
                    std::printf("CUPTI batch=%d off_samples_per_s=%.0f on_samples_per_s=%.0f overhead_pct=%.2f "
                                "records=%llu dropped=%llu\n",
                                batch, off.samples_per_s, on.samples_per_s,
                                100.0 * (1.0 - on.samples_per_s / off.samples_per_s),
                                static_cast<unsigned long long>(records), static_cast<unsigned long long>(dropped));
                }
                best = off;
            } else {
                for (int e = 0; e < a.epochs; ++e) {
                    const EpochResult r = run_epoch(*gpu, g, x, y, !a.pageable, a.samples, batch, a.warmup);
                    if (r.samples_per_s > best.samples_per_s) best = r;
                }
            }
            const auto m = gpu->memory_stats();
            std::printf("RESULT impl=batchscope batch=%d samples_per_s=%.0f iter_ms=%.4f loss=%.4f iters=%d "
                        "pool_mib=%.1f mallocs=%llu\n",
                        batch, best.samples_per_s, best.iter_ms, best.loss, best.iters,
                        static_cast<double>(m.pool_reserved_bytes) / (1 << 20),
                        static_cast<unsigned long long>(m.device_mallocs));
            std::fflush(stdout);
        }
    } catch (const GpuError& e) {
        std::fprintf(stderr, "gpu_train_bench: %s (%s)\n", e.what(), to_string(e.code()));
        return 1;
    }
    return 0;
}
