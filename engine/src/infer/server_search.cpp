#include "batchscope/engine/infer/server_search.h"

#include <algorithm>
#include <cmath>

namespace batchscope::engine::infer {

bool probe_passes(const ProbeResult& r, const ServerSearchOptions& o) noexcept {
    return r.requests > 0 && r.p99_ns <= o.p99_bound_ns && r.achieved_rps >= o.min_throughput_ratio * r.rate;
}

ServerSearchResult find_max_rate(const ProbeFn& probe, const ServerSearchOptions& o) {
    ServerSearchResult res;
    auto run = [&](double rate) {
        ProbeResult r = probe(rate);
        r.rate = rate;
        r.passed = probe_passes(r, o);
        res.probes.push_back(r);
        return r.passed;
    };
    auto budget_left = [&] { return static_cast<int>(res.probes.size()) < o.max_probes; };
    double lo = 0, hi = 0;  // lo passed, hi failed (0: not known yet)
    double r = std::clamp(o.start_rate, o.min_rate, o.max_rate);
    // Gallop: double while passing, halve while failing, until the answer is bracketed.
    if (run(r)) {
        lo = r;
        while (budget_left() && lo < o.max_rate) {
            const double next = std::min(lo * 2, o.max_rate);
            if (run(next)) lo = next;
            else {
                hi = next;
                break;
            }
        }
        if (hi == 0 && lo >= o.max_rate) res.note = "passed at the highest rate allowed";
    } else {
        hi = r;
        while (budget_left() && hi > o.min_rate) {
            const double next = std::max(hi / 2, o.min_rate);
            if (run(next)) {
                lo = next;
                break;
            }
            hi = next;
        }
        if (lo == 0) res.note = "failed even at the lowest rate tried";
    }
    // Bisect (geometric mean: the bracket can span orders of magnitude).
    while (lo > 0 && hi > 0 && hi / lo - 1 > o.precision && budget_left()) {
        const double mid = std::sqrt(lo * hi);
        if (run(mid)) lo = mid;
        else hi = mid;
    }
    if (lo > 0 && hi > 0 && hi / lo - 1 > o.precision) res.note = "stopped after the maximum number of probes";
    res.found = lo > 0;
    res.rate = lo;
    res.failed_rate = hi;
    return res;
}

}  // namespace batchscope::engine::infer
