// Workshop preset files (`presets run FILE`, the dashboard's preset menu): parse_preset must
// refuse bad JSON, unknown keys and bad values with a PresetError naming what is wrong.
#include <cstdint>
#include <string>

#include "batchscope/engine/preset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto p = batchscope::engine::parse_preset(text, "fuzz.json");
        if (p.id.empty()) __builtin_trap();
    } catch (const batchscope::engine::PresetError&) {
    }
    return 0;
}
