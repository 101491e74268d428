#pragma once
// One trace event (a JSON object) into the compact model, and the trace's top-level members
// into its metadata. Both throw ImportError (without the file name) on bad fields.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "batchscope/trace_import/trace_model.h"

namespace batchscope::trace_import::detail {

class EventParser {
public:
    explicit EventParser(ParsedTrace& out) : out_(out) {}
    // `raw` must have SIMDJSON_PADDING readable bytes after it.
    void event(std::string_view raw, uint64_t offset);
    void member(std::string_view key, std::string_view raw);

private:
    uint32_t intern(std::string_view name);

    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    simdjson::ondemand::parser parser_;
    ParsedTrace& out_;
    std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> names_;
    bool any_x_ = false;
};

}  // namespace batchscope::trace_import::detail
