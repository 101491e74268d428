// Loader-only throughput: batches are taken from the BatchLoader and handed straight back, so
// the figure is what the data pipeline alone can deliver. Prints one JSON object per line.
//
//   bench_data_loader fashion [--workers 1,2] [--prefetch 0,2,8] [--batch 128] [--seconds 2]
//                             [--storage page-cache] [--cache-dir DIR] [--consumer-us N]
//       --consumer-us N: after each batch the consumer computes (spins) N microseconds, as a
//       trainer does; each line then also gives the hand-off: how long next() took when a batch
//       was already ready ("ready_next_us": mean, p50, p99) and that time as a share of the step.
//   bench_data_loader folder DIR [--workers ..] [--prefetch ..] [--batch 64] [--seconds 3]
//   bench_data_loader decode DIR [--seconds 3] [--threads 1]
//       libjpeg-turbo's decode rate: --threads 1 is the single-thread rate; --threads N runs N
//       threads decoding at once (what N cores give to decoding alone, here and now).
//   bench_data_loader paired DIR [--workers ..] [--prefetch ..] [--batch 64] [--rounds 15]
//                                [--slice 3200] [--uint8]
//       The loader against libjpeg-turbo's single-thread decode rate, in alternating slices of
//       the same files: each round takes `slice` samples of a fresh shuffled order and runs (1)
//       the loader over them (timed from its construction to its last batch), (2) one thread
//       decoding the same files from memory (the reference) and (3) one thread reading each file
//       and decoding it into a batch buffer, no loader (the floor that reading files sets, per
//       thread). The three run in each of their six orders in turn.
//       Prints the medians and quartiles of the per-round ratios: on a shared virtual machine
//       whose speed moves from second to second, pairing adjacent slices is what makes a ratio
//       of two rates mean something.
// Every line also gives "steal_pct": the share of the machine's CPU time the hypervisor took
// during that row (cpu_steal.h).
// --uint8: batches of 8-bit pixels (converted to float where consumed) instead of float32.
// --sequential: visit the samples in order instead of a shuffled order.
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "batchscope/engine/loader/batch_loader.h"
#include "batchscope/engine/loader/batch_pool.h"
#include "batchscope/engine/data/fashion_mnist_source.h"
#include "batchscope/engine/data/image_codec.h"
#include "batchscope/engine/data/image_folder_source.h"
#include "batchscope/engine/loader/sampler.h"
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
    int rounds = 15;
    int slice = 3200;
    int consumer_us = 0;
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

// The consumer's own work per batch: spins (a trainer computing does not sleep).
void spin_ns(int64_t ns) {
    if (ns <= 0) return;
    const auto until = Clock::now() + std::chrono::nanoseconds(ns);
    while (Clock::now() < until) {
    }
}

struct Rate {
    double wall = 0;   // samples per second
    double cpu = 0;    // samples per CPU-second of the whole process (what one core can do)
    double steal = 0;  // percent of the machine's CPU time the hypervisor took meanwhile
    LoadTimes parts;   // summed over every sample built (warm-up included)
    int64_t built = 0;
    std::vector<double> ready_next_us;  // next() when a batch was ready before the call (timed part)
    double step_us = 0;                 // mean wall time per batch (timed part)
    int64_t steps = 0, ready_steps = 0;
};

// Samples/s of the loader over `src`, whole epochs (reshuffled) until `seconds` have passed,
// after one warm-up batch per worker.
Rate loader_rate(const data::SampleSource& src, int workers, int prefetch, int batch, double seconds,
                 BatchFormat format, bool shuffle, int64_t consumer_ns) {
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
    LoadTimes parts;
    int64_t built = 0;
    BatchPool pool;  // as a training run does: one set of batch buffers for all its epochs
    o.pool = &pool;
    std::vector<double> all_ready;
    int64_t all_steps = 0;
    for (int epoch = 1;; ++epoch) {
        const auto order = sampler.order(epoch);
        BatchLoader l(src, order, 0, o, nullptr, 0);
        auto take_stats = [&] {
            const LoaderStats st = l.stats();
            parts += st.parts;
            built += st.samples;
        };
        int k = 0;
        std::vector<double> ready_next;
        auto next = [&] {
            const bool ready = timing && l.ready_count() > 0;
            const auto a0 = Clock::now();
            auto b = l.next();
            if (ready) ready_next.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a0).count());
            return b;
        };
        int64_t steps = 0;
        while (auto b = next()) {
            if (!timing && ++k > std::max(1, workers)) {
                timing = true;
                t0 = Clock::now();
                c0 = cpu_s();
                s0 = batchscope::bench::CpuTicks::now();
            } else if (timing) {
                samples += b->size;
                ++steps;
            }
            spin_ns(consumer_ns);
            l.recycle(std::move(b));
            if (timing && since(t0) >= seconds) {
                const double wall = since(t0), cpu = cpu_s() - c0;
                const double steal = batchscope::bench::steal_percent(s0, batchscope::bench::CpuTicks::now());
                take_stats();
                all_ready.insert(all_ready.end(), ready_next.begin(), ready_next.end());
                all_steps += steps;
                Rate r;
                r.wall = static_cast<double>(samples) / wall;
                r.cpu = static_cast<double>(samples) / cpu;
                r.steal = steal;
                r.parts = parts;
                r.built = built;
                r.ready_next_us = std::move(all_ready);
                r.steps = all_steps;
                r.ready_steps = static_cast<int64_t>(r.ready_next_us.size());
                r.step_us = all_steps > 0 ? wall * 1e6 / static_cast<double>(all_steps) : 0;
                return r;
            }
        }
        take_stats();
        all_ready.insert(all_ready.end(), ready_next.begin(), ready_next.end());
        all_steps += steps;
    }
}

double quantile(std::vector<double> v, double q);

// The hand-off with a batch already ready: next()'s mean, median and 99th percentile, and the
// mean as a share of the consumer's step.
std::string handoff_json(const Rate& r, int consumer_us) {
    if (r.ready_next_us.empty()) return "";
    double sum = 0;
    for (const double v : r.ready_next_us) sum += v;
    const double mean = sum / static_cast<double>(r.ready_next_us.size());
    char b[320];
    std::snprintf(b, sizeof b,
                  ", \"consumer_us\": %.0f, \"step_us\": %.1f, \"steps_with_a_batch_ready_pct\": %.1f, "
                  "\"ready_next_us\": {\"mean\": %.2f, \"p50\": %.2f, \"p99\": %.2f}, \"ready_wait_share_pct\": %.2f",
                  static_cast<double>(consumer_us), r.step_us, 100.0 * static_cast<double>(r.ready_steps) / static_cast<double>(std::max<int64_t>(1, r.steps)),
                  mean, quantile(r.ready_next_us, 0.5), quantile(r.ready_next_us, 0.99),
                  r.step_us > 0 ? 100.0 * mean / r.step_us : 0.0);
    return b;
}

void run_loader(const Args& a, const data::SampleSource& src, const char* dataset) {
    for (int w : a.workers)
        for (int p : a.prefetch) {
            const Rate r = loader_rate(src, w, p, a.batch, a.seconds, a.format, a.shuffle, int64_t{a.consumer_us} * 1000);
            const std::string handoff = a.consumer_us > 0 ? handoff_json(r, a.consumer_us) : "";
            const double n = static_cast<double>(std::max<int64_t>(1, r.built)) * 1e3;  // ns -> us per sample
            std::printf("{\"dataset\": \"%s\", \"storage\": \"%s\", \"workers\": %d, \"prefetch\": %d, \"batch\": %d, "
                        "\"format\": \"%s\", \"order\": \"%s\", \"samples_per_s\": %.1f, \"samples_per_cpu_s\": %.1f, \"steal_pct\": %s, "
                        "\"us_per_sample\": {\"read\": %.2f, \"decode\": %.2f, \"augment\": %.2f, \"collate\": %.2f}%s}\n",
                        dataset, a.storage.c_str(), w, p, a.batch, a.format == BatchFormat::Uint8 ? "uint8" : "float32",
                        a.shuffle ? "shuffled" : "sequential", r.wall, r.cpu,
                        batchscope::bench::steal_text(r.steal, true).c_str(), static_cast<double>(r.parts.read_ns) / n,
                        static_cast<double>(r.parts.decode_ns) / n, static_cast<double>(r.parts.augment_ns) / n,
                        static_cast<double>(r.parts.collate_ns) / n, handoff.c_str());
            std::fflush(stdout);
        }
}

// The encoded bytes of every file of `src`, held in memory (the decode reference reads these).
std::vector<std::vector<uint8_t>> read_all(const data::ImageFolderSource& src) {
    std::vector<std::vector<uint8_t>> files;
    data::SampleBuffers b;
    for (int64_t i = 0; i < src.count(); ++i) {
        src.read(i, b);
        files.emplace_back(b.encoded.data(), b.encoded.data() + b.encoded.size());
    }
    return files;
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double at = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<size_t>(at);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
}

// Samples/s of one loader over `order`, from its construction to its last batch (its start-up
// and its last batches included, as in an epoch). Adds its per-part times to `parts` and its
// samples to `built`.
double loader_slice(const data::SampleSource& src, std::span<const uint32_t> order, const LoaderOptions& o,
                    LoadTimes& parts, int64_t& built) {
    const auto t0 = Clock::now();
    BatchLoader l(src, order, 0, o, nullptr, 0);
    int64_t samples = 0;
    while (auto b = l.next()) {
        samples += b->size;
        l.recycle(std::move(b));
    }
    const double s = since(t0);
    const LoaderStats st = l.stats();
    parts += st.parts;
    built += st.samples;
    return s > 0 ? static_cast<double>(samples) / s : 0;
}

int paired(const Args& a, const data::ImageFolderSource& src) {
    const auto files = read_all(src);
    const int channels = src.shape().channels;
    const int64_t f = src.shape().bytes();
    const auto slice = static_cast<size_t>(std::min<int64_t>(std::max<int64_t>(a.slice, a.batch * 4), src.count()));
    const EpochSampler sampler(src.count(), 1, true);
    data::Image img;                                           // the reference decodes here (hot)
    auto rows = std::make_unique<Batch>();  // the floor decodes into the rows of a batch buffer
    rows->pixels.resize(static_cast<size_t>(a.batch * f));
    data::SampleBuffers buf;
    for (int w : a.workers)
        for (int p : a.prefetch) {
            BatchPool pool;
            LoaderOptions o;
            o.batch_size = a.batch;
            o.workers = w;
            o.prefetch_depth = p;
            o.format = a.format;
            o.pool = &pool;
            std::vector<double> loader, decode, floor, vs_decode, floor_vs_decode;
            double fr = 0, fd = 0;  // the floor's read and decode seconds
            int64_t fn = 0;
            LoadTimes parts;
            int64_t built = 0;
            const auto s0 = batchscope::bench::CpuTicks::now();
            const auto warm = sampler.order(1);
            loader_slice(src, std::span(warm).first(std::min(slice, static_cast<size_t>(a.batch) * 4)), o, parts, built);
            parts = {}, built = 0;  // the warm-up's times are not counted
            for (int r = 0; r < a.rounds; ++r) {
                const auto whole = sampler.order(r + 2);
                const auto order = std::span<const uint32_t>(whole).first(slice);
                double rl = 0, rd = 0, rf = 0;
                auto run_loader = [&] { rl = loader_slice(src, order, o, parts, built); };
                auto run_decode = [&] {
                    const auto t0 = Clock::now();
                    for (const uint32_t i : order)
                        if (auto e = data::decode_image(files[i], channels, {}, img); !e.empty())
                            throw std::runtime_error(src.path(i) + ": " + e);
                    rd = static_cast<double>(order.size()) / since(t0);
                };
                auto run_floor = [&] {
                    const auto t0 = Clock::now();
                    int64_t row = 0;
                    for (const uint32_t i : order) {
                        buf.image.external = rows->pixels.data() + (row++ % a.batch) * f;
                        buf.image.external_bytes = static_cast<size_t>(f);
                        const auto a0 = Clock::now();
                        src.read(i, buf);
                        const auto a1 = Clock::now();
                        src.decode(i, buf);
                        fr += std::chrono::duration<double>(a1 - a0).count();
                        fd += std::chrono::duration<double>(Clock::now() - a1).count();
                        ++fn;
                    }
                    buf.image.external = nullptr;
                    rf = static_cast<double>(order.size()) / since(t0);
                };
                // Each of the six orders of the three in turn: none always follows another.
                const std::array<std::function<void()>, 3> steps{run_loader, run_decode, run_floor};
                static constexpr std::array<std::array<int, 3>, 6> kOrders{
                    {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}}};
                for (const int k : kOrders[static_cast<size_t>(r % 6)]) steps[static_cast<size_t>(k)]();
                loader.push_back(rl), decode.push_back(rd), floor.push_back(rf);
                vs_decode.push_back(rl / (rd * std::max(1, w)));
                floor_vs_decode.push_back(rf / rd);
            }
            const double steal = batchscope::bench::steal_percent(s0, batchscope::bench::CpuTicks::now());
            const double nb = static_cast<double>(std::max<int64_t>(1, built)) * 1e3;  // ns -> us per sample
            const double nf = static_cast<double>(std::max<int64_t>(1, fn)) / 1e6;     // s -> us per sample
            std::printf("{\"paired\": true, \"workers\": %d, \"prefetch\": %d, \"batch\": %d, \"format\": \"%s\", "
                        "\"rounds\": %d, \"slice\": %zu, \"loader_samples_per_s\": %.1f, \"decode_1thread_per_s\": %.1f, "
                        "\"read_decode_1thread_per_s\": %.1f, \"loader_vs_decode_x_workers\": "
                        "{\"median\": %.4f, \"p25\": %.4f, \"p75\": %.4f}, \"read_decode_vs_decode\": "
                        "{\"median\": %.4f, \"p25\": %.4f, \"p75\": %.4f}, \"loader_us_per_sample\": {\"read\": %.2f, "
                        "\"decode\": %.2f}, \"read_decode_us_per_sample\": {\"read\": %.2f, \"decode\": %.2f}, \"steal_pct\": %s}\n",
                        w, p, a.batch, a.format == BatchFormat::Uint8 ? "uint8" : "float32", a.rounds, slice,
                        quantile(loader, 0.5), quantile(decode, 0.5), quantile(floor, 0.5), quantile(vs_decode, 0.5),
                        quantile(vs_decode, 0.25), quantile(vs_decode, 0.75), quantile(floor_vs_decode, 0.5),
                        quantile(floor_vs_decode, 0.25), quantile(floor_vs_decode, 0.75),
                        static_cast<double>(parts.read_ns) / nb, static_cast<double>(parts.decode_ns) / nb, fr / nf,
                        fd / nf, batchscope::bench::steal_text(steal, true).c_str());
            std::fflush(stdout);
        }
    return 0;
}

int decode_rate(const Args& a) {
    data::ImageFolderSource src({a.dir, 0, {}, 0}, nullptr);
    const auto files = read_all(src);
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
        else if (k == "--rounds") a.rounds = std::max(1, std::atoi(val().c_str()));
        else if (k == "--slice") a.slice = std::atoi(val().c_str());
        else if (k == "--consumer-us") a.consumer_us = std::max(0, std::atoi(val().c_str()));
        else pos.push_back(k);
    }
    if (pos.empty() || (pos[0] != "fashion" && pos.size() < 2)) {
        std::fprintf(stderr, "usage: bench_data_loader fashion|folder DIR|decode DIR|paired DIR [options]\n");
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
        if (a.mode == "paired") {
            if (a.batch <= 0) a.batch = 64;
            data::ImageFolderSource src({a.dir, 0, {}, 0}, storage);
            return paired(a, src);
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
