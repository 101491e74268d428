#pragma once
// CSV, one row per iteration or per request; times in milliseconds; a header row first.
#include <ostream>
#include <span>

#include "batchscope/profiler/iteration_sample.h"

namespace batchscope::profiler {

// iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,compute_ms,d2h_ms,host_ms,loss,queue_depth
// start_ms counts from the first row's start.
void write_iteration_csv(std::ostream& out, std::span<const IterationSample> iterations);

// id,batch_size,scheduled_ms,latency_ms,queue_ms,h2d_ms,compute_ms,d2h_ms
void write_request_csv(std::ostream& out, std::span<const RequestSample> requests);

}  // namespace batchscope::profiler
