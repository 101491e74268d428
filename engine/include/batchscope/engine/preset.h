#pragma once
// Workshop scenarios: one JSON file per lesson of docs/ARCHITECTURE.md (resources/presets/*.json, built into
// the program), each a starting configuration plus the steps a presenter takes ("next step":
// a live knob change, or a restart with some settings changed). Format: resources/presets/README.md.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/preset_outcome.h"
#include "batchscope/engine/train_config.h"

namespace batchscope::engine {

// A preset that cannot be used; what() names the file, the field and what is allowed.
class PresetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class PresetMode : uint8_t { Train, Infer };

// A setting as written in the file: a number, a boolean (1/0) or a word (storage "emulated-hdd").
struct PresetValue {
    double number = 0;
    std::string text;  // non-empty for words
    bool is_text() const noexcept { return !text.empty(); }
    std::string to_string() const;
};

struct PresetStep {
    std::string title;        // "Prefetch 0 → 4"
    std::string explanation;  // what to watch for
    // Either a live knob change (a live knob of the preset's mode; the file names it by the
    // registry's name, "prefetch_depth") ...
    std::optional<knobs::Knob> knob;
    PresetValue value;
    // ... or a new run with these settings changed (for what cannot change live, e.g. shuffle).
    std::map<std::string, PresetValue> restart;
    // What the segment after this step is expected to show (preset_outcome.h); may be empty.
    std::vector<Expectation> expect;
    bool is_restart() const noexcept { return !knob.has_value(); }
};

struct Preset {
    std::string id;           // "2-prefetch-hides-loading"
    int lesson = 0;           // 1..6, the lesson of docs/ARCHITECTURE.md
    std::string title;
    std::string summary;      // one line
    std::string explanation;  // a paragraph for the explanation panel
    PresetMode mode = PresetMode::Train;
    std::map<std::string, PresetValue> config;       // the starting settings
    std::map<std::string, PresetValue> serve_model;  // infer: how the served model is trained
    std::vector<PresetStep> steps;
    std::vector<Expectation> start_expect;  // what the starting segment is expected to show
    bool emulated = false;    // some setting uses an emulated storage profile
    std::string source;       // "built-in" or the file it was read from
};

// Parses one preset (JSON text). Throws PresetError naming `source` and what is wrong.
Preset parse_preset(const std::string& json_text, const std::string& source);
Preset load_preset_file(const std::string& path);

// The presets built into the program (from resources/presets), by lesson then id.
const std::vector<Preset>& builtin_presets();
// By id, or by lesson number ("2"); null when none matches.
const Preset* find_preset(const std::string& id_or_lesson);

// Applies settings to a configuration. Throws PresetError on an unknown key or a bad value;
// the result is also checked with validate().
void apply_settings(const std::map<std::string, PresetValue>& settings, TrainConfig& c, const std::string& where);
void apply_settings(const std::map<std::string, PresetValue>& settings, infer::InferConfig& c, const std::string& where);

// The value a live step passes to the run's knob setter (storage words become StorageKind ints).
// Throws PresetError when the knob is not one of the mode's live knobs.
double live_knob_value(const PresetStep& step, PresetMode mode);

// The keys allowed in "config" / a restart step for each mode, for messages and documentation.
std::string allowed_keys(PresetMode mode);

}  // namespace batchscope::engine
