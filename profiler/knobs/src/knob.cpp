#include "batchscope/knobs/knob.h"

#include <algorithm>

namespace batchscope::knobs {

static_assert(std::size(kKnobs) == kKnobCount);
static_assert([] {
    for (int i = 0; i < kKnobCount; ++i)
        if (static_cast<int>(kKnobs[i].knob) != i) return false;
    return true;
}(), "kKnobs is in the order of Knob");

std::optional<Knob> from_name(std::string_view name) noexcept {
    for (const KnobInfo& k : kKnobs)
        if (k.name == name) return k.knob;
    return std::nullopt;
}

std::optional<Knob> from_config_key(std::string_view key) noexcept {
    for (const KnobInfo& k : kKnobs)
        if (k.config_key == key) return k.knob;
    return std::nullopt;
}

bool is_live(std::string_view name) noexcept {
    const auto k = from_name(name);
    return k && info(*k).live;
}

std::string range_error(Knob k, int64_t value) {
    const KnobInfo& i = info(k);
    const auto lo = static_cast<int64_t>(i.min), hi = static_cast<int64_t>(i.max);
    if (value >= lo && value <= hi) return {};
    return std::string(i.label) + " " + std::to_string(value) + " is out of range: use " + std::to_string(lo) + " to " +
           std::to_string(hi) + std::string(i.range_hint);
}

std::string label_of(std::string_view name) {
    if (const auto k = from_name(name)) return std::string(info(*k).label);
    std::string s(name);
    std::replace(s.begin(), s.end(), '_', ' ');
    return s;
}

std::string short_label_of(std::string_view name) {
    if (const auto k = from_name(name)) return std::string(info(*k).short_label);
    return std::string(name);
}

}  // namespace batchscope::knobs
