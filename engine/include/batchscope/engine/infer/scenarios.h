#pragma once
// MLPerf-style scenarios over InferenceRun, and the sweep that draws the latency-versus-
// throughput curve.
//   single stream: one request at a time (closed loop, concurrency 1, batch 1); report p90.
//   server:        Poisson arrivals; find the highest rate whose p99 stays under a bound.
//   offline:       every request at once; report throughput.
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "batchscope/engine/infer/infer_sink.h"
#include "batchscope/engine/infer/inference_run.h"
#include "batchscope/engine/infer/server_search.h"

namespace batchscope::engine::infer {

enum class Scenario { Stream, SingleStream, Server, Offline };  // Stream: the load as configured
const char* to_string(Scenario s) noexcept;  // "stream", "single-stream", "server", "offline"
std::optional<Scenario> parse_scenario(std::string_view s) noexcept;

// The configuration a scenario runs `base` with (Server: Poisson; the search sets the rate).
InferConfig apply_scenario(Scenario s, InferConfig base);

// Where each stream of a probe or sweep is saved: called with the stream's configuration before
// it starts; may return null (not saved).
using StreamSinkFactory = std::function<std::shared_ptr<InferSink>(const InferConfig&)>;

// A probe for find_max_rate: a Poisson stream of base.requests at the given rate through a
// fresh InferenceRun on `service`. `on_probe` (optional) sees each result with its full result.
ProbeFn make_stream_probe(InferConfig base, std::shared_ptr<BatchService> service,
                          std::function<void(const ProbeResult&, const InferResult&)> on_probe = {},
                          StreamSinkFactory make_sink = {});

struct SweepPoint {
    int max_batch = 0;
    double offered_rps = 0;
    InferResult result;  // without records
};

struct SweepOptions {
    std::vector<double> rates;     // offered Poisson rates
    std::vector<int> max_batches;  // dynamic batcher sizes
};

// The stream of one sweep point: `base` as an open-loop Poisson stream at `rate` with the dynamic
// batcher's maximum batch `max_batch`, per-request records not kept (the summary is the point).
InferConfig sweep_point_config(const InferConfig& base, int max_batch, double rate);

// Runs every (max batch, rate) pair, max batch outermost; `progress` sees each point as it ends.
std::vector<SweepPoint> run_sweep(const InferConfig& base, std::shared_ptr<BatchService> service,
                                  const SweepOptions& o, const std::function<void(const SweepPoint&)>& progress = {},
                                  const StreamSinkFactory& make_sink = {});

}  // namespace batchscope::engine::infer
