#pragma once
// Test helpers: trace files written to a temporary folder (plain or gzip), and the small
// hand-written trace whose breakdown the tests work out by hand.
#include <string>

#include "batchscope/trace_import/step_breakdown.h"

namespace bs_trace_test {

struct TempDir {
    TempDir();
    ~TempDir();
    std::string dir;
    std::string path(const std::string& name) const { return dir + "/" + name; }
};

void write_text(const std::string& path, const std::string& text);
void write_gzip(const std::string& path, const std::string& text);
std::string read_bytes(const std::string& path);

// Two steps on one GPU stream; every number in the tests that use it is worked out by hand
// in trace_reader_test.cpp. `legacy`: the bare-array form instead of Kineto's object.
std::string small_gpu_trace(bool legacy = false);

// Its two steps' numbers, windows and seven parts, as trace_reader_test.cpp works them out (a
// gtest expectation; the same after an export and import again).
void expect_small_gpu_trace_steps(const batchscope::trace_import::TraceAnalysis& a);

}  // namespace bs_trace_test
