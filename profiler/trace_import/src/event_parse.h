#pragma once
// One trace event (a JSON object) into the compact model, and the trace's top-level members
// into its metadata. Both throw ImportError (without the file name) on bad fields.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "batchscope/trace_import/trace_model.h"

namespace batchscope::trace_import::detail {

class EventParser {
public:
    explicit EventParser(ParsedTrace& out) : out_(out) {}
    // `raw` must have SIMDJSON_PADDING readable bytes after it.
    void event(std::string_view raw, uint64_t offset);
    void member(std::string_view key, std::string_view raw);

private:
    simdjson::ondemand::parser parser_;
    ParsedTrace& out_;
    bool any_x_ = false;
};

}  // namespace batchscope::trace_import::detail
