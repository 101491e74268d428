#include "batchscope/engine/preset.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>

#include "batchscope/engine/data/storage_profile.h"
#include "batchscope/knobs/knob.h"
#include "batchscope/engine/model/model_spec.h"
#include "builtin_presets.h"  // generated from resources/presets/*.json

namespace batchscope::engine {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw PresetError(where + ": " + what); }

// Refuses a key the format does not have (a typo such as "cofig" was ignored, and the preset
// ran on the defaults without a word).
void only_keys(const json& j, std::initializer_list<const char*> allowed, const std::string& where) {
    for (const auto& item : j.items())
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return item.key() == k; })) {
            std::string list;
            for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
            fail(where, "unknown key \"" + item.key() + "\" (the keys here are: " + list + ")");
        }
}

template <class Config>
using Setter = std::function<void(const PresetValue&, Config&, const std::string&)>;

int64_t whole(const PresetValue& v, const std::string& where) {
    if (v.is_text() || v.number != std::floor(v.number) || std::abs(v.number) > 9e15)
        fail(where, "expected a whole number, got " + v.to_string());
    return static_cast<int64_t>(v.number);
}
int as_int(const PresetValue& v, const std::string& where) {
    const int64_t n = whole(v, where);
    if (n < -2'000'000'000 || n > 2'000'000'000) fail(where, v.to_string() + " is out of range");
    return static_cast<int>(n);
}
double as_number(const PresetValue& v, const std::string& where) {
    if (v.is_text()) fail(where, "expected a number, got \"" + v.text + "\"");
    return v.number;
}
bool as_bool(const PresetValue& v, const std::string& where) {
    if (v.is_text() || (v.number != 0 && v.number != 1)) fail(where, "expected true or false, got " + v.to_string());
    return v.number != 0;
}
data::StorageKind as_storage(const PresetValue& v, const std::string& where) {
    if (auto k = data::parse_storage_kind(v.text)) return *k;
    fail(where, "unknown storage profile \"" + v.to_string() + "\" (one of: " + data::storage_ids() + ")");
}
// Text settings checked by the parser that the run itself uses, so a preset is refused when it
// is loaded with the same message the command line gives.
template <class Parse>
std::string as_checked_text(const PresetValue& v, const std::string& where, Parse parse) {
    if (!v.is_text()) fail(where, "expected text, got " + v.to_string());
    try {
        (void)parse(v.text);
    } catch (const std::exception& e) {
        fail(where, e.what());
    }
    return v.text;
}

// A knob's key in a preset's settings: its key in a saved configuration (knobs/knob.h).
std::string key(knobs::Knob k) { return std::string(knobs::info(k).config_key); }

const std::map<std::string, Setter<TrainConfig>>& train_setters() {
    using knobs::Knob;
    static const std::map<std::string, Setter<TrainConfig>> m = {
        {key(Knob::BatchSize), [](auto& v, auto& c, auto& w) { c.batch_size = as_int(v, w); }},
        {key(Knob::PrefetchDepth), [](auto& v, auto& c, auto& w) { c.prefetch_depth = as_int(v, w); }},
        {key(Knob::Workers), [](auto& v, auto& c, auto& w) { c.workers = as_int(v, w); }},
        {"epochs", [](auto& v, auto& c, auto& w) { c.epochs = as_int(v, w); }},
        {"seed", [](auto& v, auto& c, auto& w) { c.seed = static_cast<uint64_t>(whole(v, w)); }},
        {"learning_rate", [](auto& v, auto& c, auto& w) { c.learning_rate = static_cast<float>(as_number(v, w)); }},
        {"momentum", [](auto& v, auto& c, auto& w) { c.momentum = static_cast<float>(as_number(v, w)); }},
        {key(Knob::Threads), [](auto& v, auto& c, auto& w) { c.threads = as_int(v, w); }},
        {"train_limit", [](auto& v, auto& c, auto& w) { c.train_limit = whole(v, w); }},
        {"test_limit", [](auto& v, auto& c, auto& w) { c.test_limit = whole(v, w); }},
        {key(Knob::StorageProfile), [](auto& v, auto& c, auto& w) { c.storage = as_storage(v, w); }},
        {"shuffle", [](auto& v, auto& c, auto& w) { c.shuffle = as_bool(v, w); }},
        {"drop_last", [](auto& v, auto& c, auto& w) { c.drop_last = as_bool(v, w); }},
        {"random_crop", [](auto& v, auto& c, auto& w) { c.random_crop = as_bool(v, w); }},
        {"flip", [](auto& v, auto& c, auto& w) { c.flip = as_bool(v, w); }},
        {"normalize", [](auto& v, auto& c, auto& w) { c.normalize = as_bool(v, w); }},
        {"model", [](auto& v, auto& c, auto& w) { c.model = as_checked_text(v, w, model::parse_model_spec); }},
        {"optimizer",
         [](auto& v, auto& c, auto& w) { c.optimizer = as_checked_text(v, w, model::parse_optimizer); }},
        {"lr_schedule",
         [](auto& v, auto& c, auto& w) { c.lr_schedule = as_checked_text(v, w, model::parse_lr_schedule); }},
    };
    return m;
}

const std::map<std::string, Setter<infer::InferConfig>>& infer_setters() {
    using knobs::Knob;
    static const std::map<std::string, Setter<infer::InferConfig>> m = {
        {"mode",
         [](auto& v, auto& c, auto& w) {
             auto mode = infer::parse_load_mode(v.text);
             if (!mode) fail(w, "unknown load mode \"" + v.to_string() + "\" (poisson, constant, bursts, closed, offline)");
             c.mode = *mode;
         }},
        {key(Knob::Rate), [](auto& v, auto& c, auto& w) { c.rate = as_number(v, w); }},
        {"burst", [](auto& v, auto& c, auto& w) { c.burst = as_int(v, w); }},
        {key(Knob::Concurrency), [](auto& v, auto& c, auto& w) { c.concurrency = as_int(v, w); }},
        {"requests", [](auto& v, auto& c, auto& w) { c.requests = whole(v, w); }},
        {key(Knob::MaxBatch), [](auto& v, auto& c, auto& w) { c.max_batch = as_int(v, w); }},
        {key(Knob::QueueDelayUs), [](auto& v, auto& c, auto& w) { c.queue_delay_us = whole(v, w); }},
        {key(Knob::Threads), [](auto& v, auto& c, auto& w) { c.threads = as_int(v, w); }},
        {"seed", [](auto& v, auto& c, auto& w) { c.seed = static_cast<uint64_t>(whole(v, w)); }},
        {"test_limit", [](auto& v, auto& c, auto& w) { c.test_limit = whole(v, w); }},
    };
    return m;
}

template <class Map>
std::string keys_of(const Map& m) {
    std::string s;
    for (const auto& [k, _] : m) s += (s.empty() ? "" : ", ") + k;
    return s;
}

template <class Config>
void apply(const std::map<std::string, PresetValue>& settings, Config& c, const std::string& where,
           const std::map<std::string, Setter<Config>>& setters) {
    for (const auto& [key, value] : settings) {
        auto it = setters.find(key);
        if (it == setters.end()) fail(where, "unknown setting \"" + key + "\" (allowed: " + keys_of(setters) + ")");
        it->second(value, c, where + " \"" + key + "\"");
    }
    if (std::string err = validate(c); !err.empty()) fail(where, err);
}

PresetValue value_of(const json& j, const std::string& where) {
    PresetValue v;
    if (j.is_boolean()) v.number = j.get<bool>() ? 1 : 0;
    else if (j.is_number()) v.number = j.get<double>();
    else if (j.is_string() && !j.get<std::string>().empty()) v.text = j.get<std::string>();
    else fail(where, "expected a number, true/false or a word, got " + j.dump());
    return v;
}

std::map<std::string, PresetValue> settings_of(const json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "expected an object of settings, got " + j.dump());
    std::map<std::string, PresetValue> m;
    for (const auto& [k, v] : j.items()) m[k] = value_of(v, where + " \"" + k + "\"");
    return m;
}

std::string text_of(const json& j, const char* key, const std::string& where, bool required = true) {
    if (!j.contains(key)) {
        if (required) fail(where, std::string("missing \"") + key + "\"");
        return {};
    }
    if (!j[key].is_string()) fail(where, std::string("\"") + key + "\" must be a string");
    return j[key].get<std::string>();
}

bool uses_emulated_storage(const std::map<std::string, PresetValue>& s) {
    auto it = s.find("storage");
    if (it == s.end()) return false;
    auto k = data::parse_storage_kind(it->second.text);
    return k && data::storage_profile(*k).emulated;
}

// The live knobs of the knob registry, by kind of run.
bool is_live_in(knobs::Knob k, PresetMode m) {
    const knobs::KnobInfo& i = knobs::info(k);
    return i.live && i.run == (m == PresetMode::Train ? knobs::RunKind::Train : knobs::RunKind::Infer);
}

[[noreturn]] void not_live_here(const std::string& title, std::string_view name, PresetMode m) {
    std::string list;
    for (const knobs::KnobInfo& k : knobs::all())
        if (is_live_in(k.knob, m)) list += (list.empty() ? "" : ", ") + std::string(k.name);
    throw PresetError("step \"" + title + "\": \"" + std::string(name) + "\" is not a live knob here (" + list + ")");
}

// "expect": [{"metric": "data_wait", "falls_by": 0.5}, ...]
std::vector<Expectation> expectations_of(const json& j, PresetMode mode, bool first, const std::string& where) {
    std::vector<Expectation> out;
    if (!j.is_array()) fail(where, "\"expect\" must be a list of {\"metric\": ..., \"above\"|\"below\"|\"rises_by\"|\"falls_by\"|\"within\": number}");
    const auto& metrics = expectation_metrics(mode == PresetMode::Infer);
    std::string allowed;
    for (const auto& m : metrics) allowed += (allowed.empty() ? "" : ", ") + m;
    for (const json& e : j) {
        const bool against = e.is_object() && e.contains("against");
        if (against && e["against"] != "start") fail(where, "\"against\" can only be \"start\"");
        if (!e.is_object() || !e.contains("metric") || !e["metric"].is_string() || e.size() != (against ? 3u : 2u))
            fail(where, "an expectation is {\"metric\": name, one of \"above\", \"below\", \"rises_by\", \"falls_by\", \"within\": number}");
        Expectation x;
        x.metric = e["metric"].get<std::string>();
        if (std::find(metrics.begin(), metrics.end(), x.metric) == metrics.end())
            fail(where, "unknown metric \"" + x.metric + "\" (allowed: " + allowed + ")");
        bool found = false;
        for (const auto& [key, kind] : {std::pair{"above", Expectation::Kind::Above}, {"below", Expectation::Kind::Below},
                                        {"rises_by", Expectation::Kind::RisesBy}, {"falls_by", Expectation::Kind::FallsBy},
                                        {"within", Expectation::Kind::Within}}) {
            if (!e.contains(key)) continue;
            if (!e[key].is_number() || !std::isfinite(e[key].get<double>()) || e[key].get<double>() < 0)
                fail(where, std::string("\"") + key + "\" takes a number of at least 0");
            x.kind = kind;
            x.value = e[key].get<double>();
            found = true;
        }
        if (!found) fail(where, "an expectation needs one of \"above\", \"below\", \"rises_by\", \"falls_by\", \"within\"");
        x.against_start = against;
        if (first && x.relative()) fail(where, "the starting segment has no segment before it: use \"above\" or \"below\"");
        out.push_back(x);
    }
    return out;
}

}  // namespace

std::string PresetValue::to_string() const {
    if (is_text()) return text;
    std::ostringstream os;
    os << number;
    return os.str();
}

Preset parse_preset(const std::string& json_text, const std::string& source) {
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond a double
        fail(source, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(source, "a preset is a JSON object");
    only_keys(j, {"format", "id", "lesson", "title", "summary", "explanation", "mode", "config", "serve_model", "expect", "steps"},
              source);
    if (text_of(j, "format", source) != "batchscope-preset/1")
        fail(source, "\"format\" must be \"batchscope-preset/1\" (a newer Batchscope may read it)");
    Preset p;
    p.source = source;
    p.id = text_of(j, "id", source);
    const std::string where = source + " (" + p.id + ")";
    if (p.id.empty() || p.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
        fail(where, "\"id\" must be lower-case letters, digits and '-'");
    if (!j.contains("lesson") || !j["lesson"].is_number_integer()) fail(where, "\"lesson\" must be a whole number");
    p.lesson = j["lesson"].get<int>();
    p.title = text_of(j, "title", where);
    p.summary = text_of(j, "summary", where);
    p.explanation = text_of(j, "explanation", where);
    const std::string mode = text_of(j, "mode", where);
    if (mode == "train") p.mode = PresetMode::Train;
    else if (mode == "infer") p.mode = PresetMode::Infer;
    else fail(where, "\"mode\" must be \"train\" or \"infer\", got \"" + mode + "\"");
    p.config = settings_of(j.value("config", json::object()), where + " config");
    if (j.contains("serve_model")) {
        if (p.mode != PresetMode::Infer) fail(where, "\"serve_model\" is for inference presets");
        p.serve_model = settings_of(j["serve_model"], where + " serve_model");
    }
    // Check the settings now, so that a bad file is refused when it is loaded, not mid-workshop.
    if (p.mode == PresetMode::Train) {
        TrainConfig c;
        apply_settings(p.config, c, where + " config");
    } else {
        infer::InferConfig c;
        c.checkpoint = "-";
        apply_settings(p.config, c, where + " config");
        TrainConfig t;
        apply_settings(p.serve_model, t, where + " serve_model");
    }
    p.emulated = uses_emulated_storage(p.config);
    if (j.contains("expect")) p.start_expect = expectations_of(j["expect"], p.mode, true, where + " expect");
    if (!j.contains("steps") || !j["steps"].is_array()) fail(where, "\"steps\" must be a list");
    for (size_t i = 0; i < j["steps"].size(); ++i) {
        const json& s = j["steps"][i];
        const std::string sw = where + " step " + std::to_string(i + 1);
        if (!s.is_object()) fail(sw, "a step is an object");
        only_keys(s, {"title", "explanation", "knob", "value", "restart", "expect"}, sw);
        PresetStep step;
        step.title = text_of(s, "title", sw);
        step.explanation = text_of(s, "explanation", sw);
        const bool live = s.contains("knob"), restart = s.contains("restart");
        if (live == restart) fail(sw, "a step has either \"knob\" and \"value\" (live) or \"restart\" (new settings)");
        if (live) {
            const std::string name = text_of(s, "knob", sw);
            step.knob = knobs::from_name(name);
            if (!step.knob) not_live_here(step.title, name, p.mode);
            if (!s.contains("value")) fail(sw, "missing \"value\"");
            step.value = value_of(s["value"], sw + " value");
            (void)live_knob_value(step, p.mode);  // checks the knob and the value
            if (step.knob == knobs::Knob::StorageProfile) p.emulated |= data::storage_profile(*data::parse_storage_kind(step.value.text)).emulated;
        } else {
            step.restart = settings_of(s["restart"], sw + " restart");
            if (step.restart.empty()) fail(sw, "\"restart\" changes nothing");
            auto merged = p.config;
            for (const auto& [k, v] : step.restart) merged[k] = v;
            if (p.mode == PresetMode::Train) {
                TrainConfig c;
                apply_settings(merged, c, sw + " restart");
            } else {
                infer::InferConfig c;
                c.checkpoint = "-";
                apply_settings(merged, c, sw + " restart");
            }
            p.emulated |= uses_emulated_storage(step.restart);
        }
        if (s.contains("expect")) step.expect = expectations_of(s["expect"], p.mode, false, sw + " expect");
        p.steps.push_back(std::move(step));
    }
    return p;
}

Preset load_preset_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PresetError(path + ": cannot be read (does it exist?)");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_preset(text.str(), path);
}

const std::vector<Preset>& builtin_presets() {
    static const std::vector<Preset> all = [] {
        std::vector<Preset> v;
        for (const auto& [name, text] : kBuiltinPresetFiles) {
            Preset p = parse_preset(std::string(text), "built-in " + std::string(name));
            p.source = "built-in";
            v.push_back(std::move(p));
        }
        std::sort(v.begin(), v.end(), [](const Preset& a, const Preset& b) {
            return a.lesson != b.lesson ? a.lesson < b.lesson : a.id < b.id;
        });
        return v;
    }();
    return all;
}

const Preset* find_preset(const std::string& id_or_lesson) {
    for (const Preset& p : builtin_presets())
        if (p.id == id_or_lesson || std::to_string(p.lesson) == id_or_lesson) return &p;
    return nullptr;
}

void apply_settings(const std::map<std::string, PresetValue>& settings, TrainConfig& c, const std::string& where) {
    apply(settings, c, where, train_setters());
}

void apply_settings(const std::map<std::string, PresetValue>& settings, infer::InferConfig& c, const std::string& where) {
    apply(settings, c, where, infer_setters());
}

double live_knob_value(const PresetStep& step, PresetMode mode) {
    if (!step.knob) throw PresetError("step \"" + step.title + "\": a restart step has no live knob value");
    const knobs::Knob knob = *step.knob;
    if (!is_live_in(knob, mode)) not_live_here(step.title, knobs::info(knob).name, mode);
    if (knob == knobs::Knob::StorageProfile) {
        auto k = data::parse_storage_kind(step.value.text);
        if (!k) throw PresetError("step \"" + step.title + "\": unknown storage profile \"" + step.value.to_string() +
                                  "\" (one of: " + data::storage_ids() + ")");
        return static_cast<double>(static_cast<int>(*k));
    }
    if (step.value.is_text())
        throw PresetError("step \"" + step.title + "\": knob " + std::string(knobs::info(knob).name) + " takes a number, not \"" +
                          step.value.text + "\"");
    const std::string err = mode == PresetMode::Train
                                ? validate_knob(knob, static_cast<int64_t>(step.value.number))
                                : infer::validate_infer_knob(knob, step.value.number);
    if (!err.empty()) throw PresetError("step \"" + step.title + "\": " + err);
    return step.value.number;
}

std::string allowed_keys(PresetMode mode) {
    return mode == PresetMode::Train ? keys_of(train_setters()) : keys_of(infer_setters());
}

}  // namespace batchscope::engine
