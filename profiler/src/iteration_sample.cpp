#include "batchscope/profiler/iteration_sample.h"

#include "batchscope/knobs/knob.h"

namespace batchscope::profiler {

std::string knob_words(const std::string& knob) { return knobs::label_of(knob); }

std::string describe(const KnobMarker& m) {
    if (m.knob == "pinned_memory")
        return knob_words(m.knob) + (m.old_value ? " on" : " off") + " → " + (m.new_value ? "on" : "off");
    return knob_words(m.knob) + " " + std::to_string(m.old_value) + " → " + std::to_string(m.new_value);
}

}  // namespace batchscope::profiler
