#pragma once
// Constructed sessions for the dashboard tests, written with the real SessionRecorder.
#include <cstdint>
#include <string>

namespace bs_ui_test {

// A training session of `iterations` equal iterations: `wait_ms` data wait, `compute_ms`
// compute and 0.05 ms host each, loss falling from 2.3; config with the given knobs.
int64_t record_train_session(const std::string& db, const std::string& name, int batch, int prefetch,
                             int iterations, double wait_ms, double compute_ms);
// An inference session of `requests` requests with latencies 100..(100 + requests) µs.
int64_t record_infer_session(const std::string& db, const std::string& name, int requests);

}  // namespace bs_ui_test
