#include "batchscope/profiler/iteration_sample.h"

#include <algorithm>

namespace batchscope::profiler {

std::string knob_words(const std::string& knob) {
    if (knob == "pinned_memory") return "page-locked buffers";
    if (knob == "workers") return "loader workers";
    std::string s = knob;
    std::replace(s.begin(), s.end(), '_', ' ');
    return s;
}

std::string describe(const KnobMarker& m) {
    if (m.knob == "pinned_memory")
        return knob_words(m.knob) + (m.old_value ? " on" : " off") + " → " + (m.new_value ? "on" : "off");
    return knob_words(m.knob) + " " + std::to_string(m.old_value) + " → " + std::to_string(m.new_value);
}

}  // namespace batchscope::profiler
