#include "cli_serving_verdict.h"

#include <cstdio>

namespace batchscope::cli {

using namespace engine::infer;

void print_serving_verdict(const ServingVerdict& v, const std::string& indent) {
    const char* in = indent.c_str();
    if (v.bottleneck == ServingBottleneck::Unknown) {
        std::printf("%sverdict: none (%s)\n", in, v.note.c_str());
        return;
    }
    std::printf("%sverdict (requests %lld-%lld): %s\n", in, static_cast<long long>(v.window.first_id),
                static_cast<long long>(v.window.last_id), v.headline.c_str());
    const LatencyParts& m = v.window.mean;
    std::printf("%s  mean latency: late %.1f + queue (server busy) %.1f + queue (server idle) %.1f + compute %.1f + copies %.1f us\n", in,
                m.late / 1e3, m.busy_wait / 1e3, m.idle_wait / 1e3, m.compute / 1e3, m.copies / 1e3);
    for (const ServingAdvice& a : v.advice) std::printf("%s  advice: try %s\n", in, a.text().c_str());
    if (v.advice.empty() && !v.note.empty()) std::printf("%s  no advice: %s\n", in, v.note.c_str());
}

nlohmann::json serving_expectation_json(const ServingExpectation& e) {
    return {{"p50_us", e.p50_us}, {"p99_us", e.p99_us}, {"requests_per_s", e.throughput_rps}, {"mean_batch", e.mean_batch}};
}

nlohmann::json serving_verdict_json(const ServingVerdict& v) {
    const LatencyParts& m = v.window.mean;
    nlohmann::json j = {{"bottleneck", bottleneck_name(v.bottleneck)},
                        {"headline", v.headline},
                        {"first_request", v.window.first_id},
                        {"last_request", v.window.last_id},
                        {"utilisation", v.window.utilisation},
                        {"mean_parts_us", {{"late", m.late / 1e3}, {"queue_busy", m.busy_wait / 1e3}, {"queue_idle", m.idle_wait / 1e3},
                                           {"compute", m.compute / 1e3}, {"copies", m.copies / 1e3}}},
                        {"service", v.service.source},
                        {"note", v.note},
                        {"advice", nlohmann::json::array()}};
    for (const ServingAdvice& a : v.advice)
        j["advice"].push_back({{"knob", std::string(knobs::info(a.knob).name)},
                               {"from", a.from},
                               {"to", a.to},
                               {"expected", serving_expectation_json(a.expected)},
                               {"reason", a.reason}});
    return j;
}

}  // namespace batchscope::cli
