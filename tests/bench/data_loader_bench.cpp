// Loader-only throughput: batches are taken from the BatchLoader and handed straight back, so
// the figure is what the data pipeline alone can deliver. Prints one JSON object per line.
//
//   bench_data_loader fashion [--workers 1,2] [--prefetch 0,2,8] [--batch 128] [--seconds 2]
//                             [--storage page-cache] [--cache-dir DIR]
//   bench_data_loader folder DIR [--workers ..] [--prefetch ..] [--batch 64] [--seconds 3]
//   bench_data_loader decode DIR [--seconds 3] [--threads 1]
//       libjpeg-turbo's decode rate: --threads 1 is the single-thread rate; --threads N runs N
//       threads decoding at once (what N cores give to decoding alone, here and now).
// Every line also gives "steal_pct": the share of the machine's CPU time the hypervisor took
// during that row (cpu_steal.h).
// --uint8: batches of 8-bit pixels (converted to float where consumed) instead of float32.
// --sequential: visit the samples in order instead of a shuffled order.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/batch_loader.h"
#include "batchscope/engine/data/fashion_mnist_source.h"
#include "batchscope/engine/data/image_codec.h"
#include "batchscope/engine/data/image_folder_source.h"
#include "batchscope/engine/sampler.h"
#include "cpu_steal.h"

using namespace batchscope::engine;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::string mode, dir, cache_dir, storage = "page-cache";
    std::vector<int> workers{1, 2}, prefetch{0, 2, 8};
    int batch = 0;
    double seconds = 0;
    BatchFormat format = BatchFormat::Float32;
    bool shuffle = true;
    int threads = 1;
};

std::vector<int> ints(const std::string& s) {
    std::vector<int> v;
    for (size_t at = 0; at <= s.size();) {
        const size_t comma = s.find(',', at);
        v.push_back(std::atoi(s.substr(at, comma - at).c_str()));
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    return v;
}

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Rate {
    double wall = 0;   // samples per second
    double cpu = 0;    // samples per CPU-second of the whole process (what one core can do)
    double steal = 0;  // percent of the machine's CPU time the hypervisor took meanwhile
};

// Samples/s of the loader over `src`, whole epochs (reshuffled) until `seconds` have passed,
// after one warm-up batch per worker.
Rate loader_rate(const data::SampleSource& src, int workers, int prefetch, int batch, double seconds,
                 BatchFormat format, bool shuffle) {
    const EpochSampler sampler(src.count(), 1, shuffle);
    LoaderOptions o;
    o.batch_size = batch;
    o.workers = workers;
    o.prefetch_depth = prefetch;
    o.format = format;
    int64_t samples = 0;
    Clock::time_point t0{};
    double c0 = 0;
    batchscope::bench::CpuTicks s0;
    bool timing = false;
    for (int epoch = 1;; ++epoch) {
        const auto order = sampler.order(epoch);
        BatchLoader l(src, order, 0, o, nullptr, 0);
        int k = 0;
        while (auto b = l.next()) {
            if (!timing && ++k > std::max(1, workers)) {
                timing = true;
                t0 = Clock::now();
                c0 = cpu_s();
                s0 = batchscope::bench::CpuTicks::now();
            } else if (timing) {
                samples += b->size;
            }
            l.recycle(std::move(b));
            if (timing && since(t0) >= seconds) {
                const double wall = since(t0), cpu = cpu_s() - c0;
                return {static_cast<double>(samples) / wall, static_cast<double>(samples) / cpu,
                        batchscope::bench::steal_percent(s0, batchscope::bench::CpuTicks::now())};
            }
        }
    }
}

void run_loader(const Args& a, const data::SampleSource& src, const char* dataset) {
    for (int w : a.workers)
        for (int p : a.prefetch) {
            const Rate r = loader_rate(src, w, p, a.batch, a.seconds, a.format, a.shuffle);
            std::printf("{\"dataset\": \"%s\", \"storage\": \"%s\", \"workers\": %d, \"prefetch\": %d, \"batch\": %d, "
                        "\"format\": \"%s\", \"order\": \"%s\", \"samples_per_s\": %.1f, \"samples_per_cpu_s\": %.1f, \"steal_pct\": %s}\n",
                        dataset, a.storage.c_str(), w, p, a.batch, a.format == BatchFormat::Uint8 ? "uint8" : "float32",
                        a.shuffle ? "shuffled" : "sequential", r.wall, r.cpu,
                        batchscope::bench::steal_text(r.steal, true).c_str());
            std::fflush(stdout);
        }
}

int decode_rate(const Args& a) {
    data::ImageFolderSource src({a.dir, 0, {}, 0}, nullptr);
    std::vector<std::vector<uint8_t>> files;
    data::SampleBuffers b;
    for (int64_t i = 0; i < src.count(); ++i) {
        src.read(i, b);
        files.emplace_back(b.encoded.data(), b.encoded.data() + b.encoded.size());
    }
    const int channels = src.shape().channels;
    const int threads = std::max(1, a.threads);
    std::atomic<int64_t> decoded{0};
    std::atomic<bool> failed{false};
    const auto s0 = batchscope::bench::CpuTicks::now();
    const auto t0 = Clock::now();
    const double c0 = cpu_s();
    auto decode_loop = [&](size_t first) {  // each thread starts at its own place in the files
        data::Image img;
        int64_t n = 0;
        for (size_t k = 0; since(t0) < a.seconds && !failed.load(std::memory_order_relaxed); ++k) {
            const size_t i = (first + k) % files.size();
            if (auto e = data::decode_image(files[i], channels, {}, img); !e.empty()) {
                std::fprintf(stderr, "%s: %s\n", src.path(static_cast<int64_t>(i)).c_str(), e.c_str());
                failed.store(true);
            }
            ++n;
        }
        decoded.fetch_add(n);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(decode_loop, files.size() * static_cast<size_t>(t) / static_cast<size_t>(threads));
    decode_loop(0);
    for (std::thread& t : pool) t.join();
    if (failed.load()) return 1;
    const double wall = since(t0), cpu = cpu_s() - c0;
    const double steal = batchscope::bench::steal_percent(s0, batchscope::bench::CpuTicks::now());
    const auto n = static_cast<double>(decoded.load());
    std::printf("{\"decode_images_per_s\": %.1f, \"decode_images_per_cpu_s\": %.1f, \"threads\": %d, \"files\": %zu, "
                "\"width\": %d, \"height\": %d, \"channels\": %d, \"steal_pct\": %s}\n",
                n / wall, n / cpu, threads, files.size(), src.shape().width, src.shape().height, channels,
                batchscope::bench::steal_text(steal, true).c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    std::vector<std::string> pos;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto val = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (k == "--workers") a.workers = ints(val());
        else if (k == "--prefetch") a.prefetch = ints(val());
        else if (k == "--batch") a.batch = std::atoi(val().c_str());
        else if (k == "--seconds") a.seconds = std::atof(val().c_str());
        else if (k == "--storage") a.storage = val();
        else if (k == "--cache-dir") a.cache_dir = val();
        else if (k == "--uint8") a.format = BatchFormat::Uint8;
        else if (k == "--sequential") a.shuffle = false;
        else if (k == "--threads") a.threads = std::atoi(val().c_str());
        else pos.push_back(k);
    }
    if (pos.empty() || (pos[0] != "fashion" && pos.size() < 2)) {
        std::fprintf(stderr, "usage: bench_data_loader fashion|folder DIR|decode DIR [options]\n");
        return 2;
    }
    a.mode = pos[0];
    if (pos.size() > 1) a.dir = pos[1];
    const auto kind = data::parse_storage_kind(a.storage);
    if (!kind) {
        std::fprintf(stderr, "unknown storage %s: use %s\n", a.storage.c_str(), data::storage_ids().c_str());
        return 2;
    }
    try {
        auto storage = std::make_shared<data::Storage>(*kind);
        if (a.mode == "decode") {
            if (a.seconds <= 0) a.seconds = 3;
            return decode_rate(a);
        }
        if (a.mode == "fashion") {
            if (a.batch <= 0) a.batch = 128;
            if (a.seconds <= 0) a.seconds = 2;
            data::FashionMnistSource src({a.dir, "train", a.cache_dir, 0}, storage);
            run_loader(a, src, "fashion-mnist");
        } else {
            if (a.batch <= 0) a.batch = 64;
            if (a.seconds <= 0) a.seconds = 3;
            data::ImageFolderSource src({a.dir, 0, {}, 0}, storage);
            run_loader(a, src, "image-folder");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_data_loader: %s\n", e.what());
        return 1;
    }
    return 0;
}
