#pragma once
// Splits a trace's JSON text, read as a stream, into its events (the elements of `traceEvents`,
// or of the bare top-level array of the legacy form) and its other top-level members, without
// ever holding more than one chunk and the value being read. It checks the structure between
// values; each value's inside is checked by whoever parses it (simdjson).
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace batchscope::trace_import::detail {

class ByteSource;

class SplitHandler {
public:
    virtual ~SplitHandler() = default;
    // A top-level member other than traceEvents (raw JSON text of its value).
    virtual void member(std::string_view key, std::string_view raw, uint64_t offset) = 0;
    // One event object, raw JSON; `raw.data()` has at least kPadding readable bytes after it.
    virtual void event(std::string_view raw, uint64_t offset) = 0;
    // Now and then, from between events.
    virtual void progress() {}
};

struct SplitResult {
    bool legacy_array = false;
    bool saw_events = false;  // a traceEvents array (or the legacy array) was found
    bool truncated = false;   // the text ended inside the events (or after them, before the end)
    uint64_t truncated_at = 0;
    uint64_t bytes = 0;       // uncompressed bytes read
};

inline constexpr size_t kPadding = 64;  // >= SIMDJSON_PADDING

// Throws ImportError (message without the file name: the caller adds it) for text that is not
// JSON or not a trace, and ImportCancelled when `cancel` is raised.
SplitResult split_trace(ByteSource& src, SplitHandler& h, const std::atomic<bool>* cancel);

}  // namespace batchscope::trace_import::detail
