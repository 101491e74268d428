// How fast the load generator can issue requests, and how close to schedule: an open-loop stream
// into the dynamic batcher, served by a synthetic service that takes no time (the server only
// drains the queue). Rows at the target rate (constant and Poisson) report the generator's
// lateness (actual - scheduled issue time); a last row asks for 10M requests/s to show the
// pipeline's ceiling. "on time" is the share of requests issued within 50 us of schedule; "cpu"
// is the process's CPU time over wall time (the generator spins, so about 1 plus the server's
// share when nothing else runs): below that, other processes took the cores, and the lateness
// tail measures their preemption more than the generator. "steal" is the share of the machine's
// CPU time the hypervisor took during the row (cpu_steal.h): a virtual CPU that is not running
// cannot issue on time, whatever the generator does. A last row per round, "pacing", is the
// generator's schedule alone: the same arrival process and the same spin wait on one thread, with
// no batcher and no server (nothing else of ours runs): what this machine lets any issuing thread
// achieve, the floor under the rows above.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "batchscope/engine/infer/arrivals.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/profiler/clock.h"
#include "cpu_steal.h"

using namespace batchscope::engine::infer;

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The schedule alone: Poisson arrivals at `rate`, each waited for as the generator does
// (wait_until with its default spin), lateness = woke - scheduled. No request goes anywhere.
struct Pacing {
    std::vector<int64_t> late;
    double wall_s = 0;
};
Pacing pacing_alone(double rate, int64_t requests) {
    ArrivalProcess arrivals(LoadMode::Poisson, rate, 1, 42);
    const int64_t spin = InferConfig{}.spin_us * 1000;
    Pacing p;
    p.late.reserve(static_cast<size_t>(requests));
    const int64_t t0 = batchscope::profiler::now_ns();
    int64_t next = t0;
    for (int64_t i = 0; i < requests; ++i) {
        next += arrivals.next_gap_ns();
        p.late.push_back(std::max<int64_t>(0, wait_until(next, spin) - next));
    }
    p.wall_s = static_cast<double>(batchscope::profiler::now_ns() - t0) / 1e9;
    std::sort(p.late.begin(), p.late.end());
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    int64_t requests = 1'000'000;
    double rate = 200'000;
    int rounds = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--requests") requests = std::atoll(argv[i + 1]);
        else if (a == "--rate") rate = std::atof(argv[i + 1]);
        else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    }
    std::shared_ptr<BatchService> zero = make_synthetic_service(fixed_service_time(0), "zero");
    std::printf("%-9s %11s %9s %11s %9s %9s %10s %9s %8s %6s %5s %6s\n", "mode", "offered/s", "requests", "achieved/s",
                "late p50", "late p99", "late p99.9", "late max", "on time", "batch", "cpu", "steal");
    struct Row {
        LoadMode mode;
        double rate;
    };
    for (int round = 0; round < rounds; ++round) {
        for (Row row : {Row{LoadMode::Constant, rate}, Row{LoadMode::Poisson, rate}, Row{LoadMode::Constant, 1e7}}) {
            InferConfig c;
            c.mode = row.mode;
            c.rate = row.rate;
            c.requests = requests;
            c.max_batch = 256;
            c.queue_delay_us = 100;
            c.keep_records = true;
            const double cpu0 = cpu_seconds();
            const auto steal0 = batchscope::bench::CpuTicks::now();
            const int64_t t0 = batchscope::profiler::now_ns();
            const InferResult r = run_inference(c, zero);
            const double wall = static_cast<double>(batchscope::profiler::now_ns() - t0) / 1e9;
            auto us = [](int64_t ns) { return static_cast<double>(ns) / 1e3; };
            int64_t on_time = 0;
            for (const RequestRecord& q : r.records) on_time += q.lateness_ns() <= 50'000;
            std::printf("%-9s %11.0f %9lld %11.0f %7.1fus %7.1fus %8.1fus %7.1fus %7.2f%% %6.1f %5.2f %6s\n",
                        to_string(row.mode), row.rate, static_cast<long long>(r.completed), r.throughput_rps,
                        us(r.lateness.value_ns(50)), us(r.lateness.value_ns(99)), us(r.lateness.value_ns(99.9)),
                        us(r.lateness.max_ns), 100.0 * static_cast<double>(on_time) / static_cast<double>(r.completed),
                        r.mean_batch, (cpu_seconds() - cpu0) / wall,
                        batchscope::bench::steal_text(batchscope::bench::steal_percent(steal0, batchscope::bench::CpuTicks::now())).c_str());
            std::fflush(stdout);
        }
        const double cpu0 = cpu_seconds();
        const auto steal0 = batchscope::bench::CpuTicks::now();
        const Pacing p = pacing_alone(rate, requests);
        const auto n = static_cast<double>(p.late.size());
        auto at = [&](double q) { return static_cast<double>(p.late[std::min(p.late.size() - 1, static_cast<size_t>(q / 100 * n))]) / 1e3; };
        const auto on_time = std::upper_bound(p.late.begin(), p.late.end(), int64_t{50'000}) - p.late.begin();
        std::printf("%-9s %11.0f %9lld %11.0f %7.1fus %7.1fus %8.1fus %7.1fus %7.2f%% %6s %5.2f %6s\n", "pacing",
                    rate, static_cast<long long>(p.late.size()), n / p.wall_s, at(50), at(99), at(99.9),
                    static_cast<double>(p.late.back()) / 1e3, 100.0 * static_cast<double>(on_time) / n, "-",
                    (cpu_seconds() - cpu0) / p.wall_s, batchscope::bench::steal_text(batchscope::bench::steal_percent(steal0, batchscope::bench::CpuTicks::now())).c_str());
        std::fflush(stdout);
    }
    return 0;
}
