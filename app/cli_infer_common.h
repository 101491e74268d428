#pragma once
// What `batchscope-cli infer` and `sweep` share: the options that choose what is served, and
// how results are printed and turned into JSON.
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/infer_snapshot.h"
#include "batchscope/engine/infer/scenarios.h"
#include "batchscope/engine/infer/service.h"

namespace batchscope::cli {

struct ServedModelOptions {
    std::string checkpoint;
    double synthetic_us = -1;           // with synthetic_given: a synthetic service instead of a model
    double synthetic_per_request_us = 0;
    bool synthetic_given = false;       // --synthetic-us was on the command line (any value, checked later)
};

// --checkpoint, --backend, --data, --test-limit, --threads, --synthetic-us, --synthetic-per-request-us.
void add_served_model_options(CLI::App& cmd, ServedModelOptions& m, engine::infer::InferConfig& cfg);

// Empty when the options choose exactly one thing to serve, else the usage error.
std::string check_served_model(const ServedModelOptions& m);
// --backend cuda: empty when it can be used (a checkpoint, and the probe found a usable GPU), else
// the usage error with the probe's reason. Never a silent CPU fallback.
std::string check_backend(const ServedModelOptions& m, const engine::infer::InferConfig& cfg);
// The exit code for what make_service threw: kExitUsage when the command line asked for what
// cannot be served here (no usable GPU, a model the GPU does not serve), else kExitRunFailed.
int service_error_exit(const std::exception& e);

// Loads the checkpoint and the test set (or builds the synthetic service). Throws
// engine::CheckpointError, engine::DatasetError, std::invalid_argument.
std::shared_ptr<engine::infer::BatchService> make_service(const ServedModelOptions& m,
                                                          const engine::infer::InferConfig& cfg);

// "--max-batches 1,4,16" and "--rates 500,1000": comma-separated positive numbers.
std::vector<double> parse_number_list(const std::string& s);

void print_result(const engine::infer::InferResult& r);
nlohmann::json result_json(const engine::infer::InferResult& r);
nlohmann::json summary_json(const engine::infer::LatencySummary& s);  // microseconds

double us(double ns);

// Saves every stream of a sweep or a server search as its own session in `db`, named
// "<what> #k: max batch B, rate R" and tagged `tag`; the session ids go to `ids`.
// Throws store::StoreError when the database cannot be used.
engine::infer::StreamSinkFactory stream_sessions(const std::string& db, std::shared_ptr<engine::infer::BatchService> service,
                                                 const std::string& what, const std::string& tag,
                                                 std::shared_ptr<std::vector<int64_t>> ids);
// "sweep-20261127-031500": a tag that groups the sessions of one sweep or search.
std::string run_tag(const std::string& what);

}  // namespace batchscope::cli
