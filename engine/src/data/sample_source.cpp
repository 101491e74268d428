#include "batchscope/engine/data/sample_source.h"

namespace batchscope::engine::data {

const char* to_string(ErrorPolicy p) noexcept {
    switch (p) {
        case ErrorPolicy::Stop: return "stop";
        case ErrorPolicy::Skip: return "skip";
    }
    return "?";
}

std::optional<ErrorPolicy> parse_error_policy(std::string_view s) noexcept {
    if (s == "stop") return ErrorPolicy::Stop;
    if (s == "skip") return ErrorPolicy::Skip;
    return std::nullopt;
}

}  // namespace batchscope::engine::data
