// MLP 784-256-128-10 inference latency at batch 1 and 4, beside PyTorch eager in the same run
// (tests/bench/torch_infer.py of this repository, or --script). Three layers of Batchscope are timed:
//   forward   Mlp::predict on pre-built float inputs (what torch_infer.py times for PyTorch)
//   serve     + scaling the 8-bit sample into the batch buffer and the argmax copied out
//   stream    a single-stream InferenceRun: from the scheduled arrival to the response, through
//             the batcher and the server thread
// Rounds alternate Batchscope and PyTorch; the table gives each round and the ratios of p50.
// A last table gives the forward pass per batch size (what dynamic batching buys).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "batchscope/engine/image_dataset.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/latency_stats.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/profiler/clock.h"

using namespace batchscope::engine;
using namespace batchscope::engine::infer;
using batchscope::profiler::now_ns;

namespace {

struct Lat {
    double p50 = 0, p95 = 0, p99 = 0, mean = 0;  // microseconds
};

Lat lat_of(std::vector<int64_t>& v) {
    const LatencySummary s = summarize(v);
    return {static_cast<double>(s.value_ns(50)) / 1e3, static_cast<double>(s.value_ns(95)) / 1e3,
            static_cast<double>(s.value_ns(99)) / 1e3, s.mean_ns / 1e3};
}

Lat time_forward(const Mlp& m, const std::vector<float>& x, int b, int n, int warmup) {
    Mlp::Workspace ws;
    std::vector<float> logits(static_cast<size_t>(b) * 10);
    const size_t inputs = x.size() / 784 - static_cast<size_t>(b);
    std::vector<int64_t> t(static_cast<size_t>(n));
    for (int i = -warmup; i < n; ++i) {
        const float* in = x.data() + (static_cast<size_t>(i + warmup) * 37 % inputs) * 784;
        const int64_t t0 = now_ns();
        m.predict(in, b, logits.data(), ws);
        if (i >= 0) t[static_cast<size_t>(i)] = now_ns() - t0;
    }
    return lat_of(t);
}

Lat time_serve(BatchService& s, int b, int n, int warmup) {
    std::vector<int64_t> samples(static_cast<size_t>(b)), t(static_cast<size_t>(n));
    std::vector<int8_t> correct(static_cast<size_t>(b));
    for (int i = -warmup; i < n; ++i) {
        for (int k = 0; k < b; ++k) samples[static_cast<size_t>(k)] = (static_cast<int64_t>(i + warmup) * 37 + k) % s.sample_count();
        const int64_t t0 = now_ns();
        s.serve(samples, correct);
        if (i >= 0) t[static_cast<size_t>(i)] = now_ns() - t0;
    }
    return lat_of(t);
}

// Parses "batch    1: 5000 req  p50      70.1 us  p95 ...  p99 ..." lines of torch_infer.py.
bool run_python(const std::string& cmd, Lat& b1, Lat& b4, std::string& header) {
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return false;
    char line[1024];
    int found = 0;
    while (std::fgets(line, sizeof line, p)) {
        int b = 0, n = 0;
        double p50, p95, p99, mean;
        if (std::sscanf(line, "batch %d: %d req p50 %lf us p95 %lf us p99 %lf us mean %lf", &b, &n, &p50, &p95, &p99,
                        &mean) == 6) {
            (b == 1 ? b1 : b4) = {p50, p95, p99, mean};
            ++found;
        } else if (line[0] == '#') {
            header = line;
            header.erase(header.find_last_not_of("\n") + 1);
        }
    }
    return pclose(p) == 0 && found == 2;
}

}  // namespace

int main(int argc, char** argv) {
    int n = 5000, rounds = 3;
    std::string python = "/usr/bin/python3", script = BS_TORCH_INFER_SCRIPT;  // the source tree's, set by CMake
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--requests") n = std::max(100, std::atoi(argv[i + 1]));
        else if (a == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
        else if (a == "--python") python = argv[i + 1];
        else if (a == "--script") script = argv[i + 1];
    }
    set_blas_threads(1);
    ImageDataset test = load_fashion_mnist_split(find_fashion_mnist_dir(), "t10k");
    std::vector<float> x(test.pixels.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(test.pixels[i]) / 255.0f;
    auto model = std::make_shared<Mlp>(std::vector<int>{784, 256, 128, 10}, 0);
    std::shared_ptr<BatchService> service = make_mlp_service(model, CheckpointInfo{}, test);
    std::printf("# Batchscope: %s; %d timed requests per measurement, BLAS threads 1\n", blas_description(), n);
    const std::string cmd = python + " '" + script + "' --threads 1 --batches 1,4 --throughput '' --requests " +
                            std::to_string(n) + " 2>&1";
    std::printf("%-5s %-28s %9s %9s %9s %9s %12s\n", "round", "what", "p50 us", "p95 us", "p99 us", "mean us", "p50 / torch");
    for (int r = 1; r <= rounds; ++r) {
        const Lat f1 = time_forward(*model, x, 1, n, 200), f4 = time_forward(*model, x, 4, n, 200);
        const Lat s1 = time_serve(*service, 1, n, 200);
        InferConfig c;
        c.mode = LoadMode::Closed;
        c.concurrency = 1;
        c.requests = n;
        c.keep_records = false;
        const InferResult st = run_inference(c, service);
        const Lat e1{static_cast<double>(st.latency.value_ns(50)) / 1e3, static_cast<double>(st.latency.value_ns(95)) / 1e3,
                     static_cast<double>(st.latency.value_ns(99)) / 1e3, st.latency.mean_ns / 1e3};
        Lat t1, t4;
        std::string header;
        const bool torch = run_python(cmd, t1, t4, header);
        if (r == 1) std::printf("# PyTorch: %s\n", torch ? header.c_str() : ("could not run: " + cmd).c_str());
        auto row = [&](const char* what, const Lat& l, const Lat* ref) {
            std::printf("%-5d %-28s %9.1f %9.1f %9.1f %9.1f", r, what, l.p50, l.p95, l.p99, l.mean);
            if (ref && ref->p50 > 0) std::printf(" %11.2fx", l.p50 / ref->p50);
            std::printf("\n");
        };
        row("batchscope forward b=1", f1, torch ? &t1 : nullptr);
        row("batchscope serve b=1", s1, torch ? &t1 : nullptr);
        row("batchscope single-stream b=1", e1, torch ? &t1 : nullptr);
        if (torch) row("pytorch eager b=1", t1, nullptr);
        row("batchscope forward b=4", f4, torch ? &t4 : nullptr);
        if (torch) row("pytorch eager b=4", t4, nullptr);
        std::fflush(stdout);
    }
    // What batching buys: the forward pass per batch and per sample (the dynamic batcher's lever).
    std::printf("\n%-6s %10s %14s %12s\n", "batch", "p50 us", "us per sample", "samples/s");
    for (int b : {1, 2, 4, 8, 16, 64, 256}) {
        const Lat l = time_forward(*model, x, b, std::max(200, n / b), 50);
        std::printf("%-6d %10.1f %14.2f %12.0f\n", b, l.p50, l.p50 / b, b / l.p50 * 1e6);
    }
    return 0;
}
