#pragma once
// Reads one PyTorch profiler trace (`.json` or `.json.gz`, Kineto's object form or the legacy
// bare array) as a stream: the file is never held in memory, only the compact activities of
// trace_model.h. Throws ImportError with the file name (and the byte offset where the JSON
// broke) on bad input; a file that ends early inside its events is not an error: it is
// returned with meta.truncated set and the events read before the end.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "batchscope/trace_import/trace_model.h"

namespace batchscope::trace_import {

struct ReadOptions {
    int rank = -1;  // used when the trace names no rank (distributedInfo) and the file name none either
    // load_trace(): raw events kept for the session's timeline and tables (stored_events.h); 0: none.
    size_t keep_events = 20'000;
};

// Called now and then with the bytes of the file read so far (compressed bytes for .gz) and
// the file's size.
using ReadProgress = std::function<void(uint64_t done, uint64_t total)>;

ParsedTrace read_trace(const std::string& path, const ReadOptions& opt = {}, const ReadProgress& progress = {},
                       const std::atomic<bool>* cancel = nullptr);

// Microseconds as written in JSON (an integer or with a fraction, "12.345") into nanoseconds,
// exactly to three decimals (the fourth rounds). Returns "" when fine, else what is wrong
// ("is not a number", "is an integer beyond 2^53 ...").
std::string us_to_ns(std::string_view text, int64_t& ns);

// The rank a file name gives ("rank-3", "rank_3", "rank3", any case), or -1.
int rank_from_file_name(const std::string& path);

}  // namespace batchscope::trace_import
