#include "batchscope/profiler/csv_export.h"

#include <cstdio>

namespace batchscope::profiler {
namespace {

// Milliseconds with microsecond resolution, locale-independent.
void put_ms(std::ostream& out, int64_t ns) {
    char buf[40];
    std::snprintf(buf, sizeof buf, ",%.6f", static_cast<double>(ns) / 1e6);
    out << buf;
}

}  // namespace

void write_iteration_csv(std::ostream& out, std::span<const IterationSample> iterations) {
    out << "iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,compute_ms,d2h_ms,host_ms,loss,queue_depth\n";
    const int64_t origin = iterations.empty() ? 0 : iterations.front().start_ns;
    for (const IterationSample& it : iterations) {
        out << it.iteration << ',' << it.epoch << ',' << it.batch_size;
        put_ms(out, it.start_ns - origin);
        const Breakdown& b = it.breakdown;
        for (int64_t v : {b.wall_ns, b.data_wait_ns, b.h2d_ns, b.compute_ns, b.d2h_ns, b.host_ns}) put_ms(out, v);
        char loss[32];
        std::snprintf(loss, sizeof loss, ",%.6g,", static_cast<double>(it.loss));
        out << loss << it.queue_depth << '\n';
    }
}

void write_request_csv(std::ostream& out, std::span<const RequestSample> requests) {
    out << "id,batch_size,scheduled_ms,latency_ms,queue_ms,h2d_ms,compute_ms,d2h_ms\n";
    const int64_t origin = requests.empty() ? 0 : requests.front().scheduled_ns;
    for (const RequestSample& r : requests) {
        out << r.id << ',' << r.batch_size;
        for (int64_t v : {r.scheduled_ns - origin, r.latency_ns(), r.queue_ns, r.h2d_ns, r.compute_ns, r.d2h_ns}) put_ms(out, v);
        out << '\n';
    }
}

}  // namespace batchscope::profiler
