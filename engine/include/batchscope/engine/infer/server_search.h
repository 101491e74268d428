#pragma once
// MLPerf's server scenario: the highest Poisson rate whose p99 latency stays under a bound. A
// galloping search (double the rate while it passes, halve while it fails) brackets the answer,
// then a binary search narrows the bracket to a relative precision. The search is separate from
// what a probe measures, so it is tested on functions with a known answer.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace batchscope::engine::infer {

// What one probe at one offered rate measured.
struct ProbeResult {
    double rate = 0;            // offered, requests/s
    int64_t p99_ns = 0;
    double achieved_rps = 0;    // completed / (last response - first scheduled arrival)
    int64_t requests = 0;
    bool enough_samples = true; // requests >= min_samples_for(99)
    bool passed = false;        // set by the search
};
using ProbeFn = std::function<ProbeResult(double rate)>;

struct ServerSearchOptions {
    int64_t p99_bound_ns = 10'000'000;
    double start_rate = 1000;
    double min_rate = 1, max_rate = 10'000'000;
    double precision = 0.05;           // stop when hi / lo - 1 <= precision
    int max_probes = 24;
    double min_throughput_ratio = 0.9; // a pass also needs achieved >= ratio * offered
};

struct ServerSearchResult {
    bool found = false;       // some rate passed
    double rate = 0;          // the highest rate that passed
    double failed_rate = 0;   // the lowest rate that failed above it (0: none failed)
    std::vector<ProbeResult> probes;  // in the order run
    std::string note;         // why the search stopped, when not by precision
};

// A pass: p99 <= bound and achieved >= min_throughput_ratio * rate.
bool probe_passes(const ProbeResult& r, const ServerSearchOptions& o) noexcept;

ServerSearchResult find_max_rate(const ProbeFn& probe, const ServerSearchOptions& o);

}  // namespace batchscope::engine::infer
