// Workshop presets: the built-in ones load and are valid; bad files are refused with messages
// that name the field; settings reach the configurations.
#include <gtest/gtest.h>

#include <set>

#include "batchscope/engine/preset.h"

using namespace batchscope::engine;

namespace {

std::string minimal(const std::string& mode, const std::string& config, const std::string& steps) {
    return R"({"format": "batchscope-preset/1", "id": "t", "lesson": 9, "title": "T", "summary": "S",
               "explanation": "E", "mode": ")" + mode + R"(", "config": )" + config + R"(, "steps": )" + steps + "}";
}

std::string error_of(const std::string& text) {
    try {
        parse_preset(text, "test.json");
    } catch (const PresetError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST(Presets, BuiltInsCoverTheLessonsAndAreValid) {
    const auto& all = builtin_presets();
    std::set<int> lessons;
    std::set<std::string> ids;
    for (const Preset& p : all) {
        lessons.insert(p.lesson);
        EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
        EXPECT_FALSE(p.steps.empty()) << p.id;
        EXPECT_FALSE(p.explanation.empty()) << p.id;
        for (const auto& s : p.steps) {
            if (!s.is_restart()) {
                EXPECT_NO_THROW(live_knob_value(s, p.mode)) << p.id << ": " << s.title;
            }
        }
    }
    for (int lesson = 1; lesson <= 6; ++lesson) EXPECT_TRUE(lessons.count(lesson)) << "no preset for lesson " << lesson;
    ASSERT_NE(find_preset("2"), nullptr);
    EXPECT_EQ(find_preset("2")->id, "2-prefetch-hides-loading");
    EXPECT_EQ(find_preset("2-prefetch-hides-loading"), find_preset("2"));
    EXPECT_EQ(find_preset("no-such-preset"), nullptr);
}

TEST(Presets, EmulatedStorageIsFlagged) {
    const Preset* loading = find_preset("1-loading-dominates");
    ASSERT_NE(loading, nullptr);
    EXPECT_TRUE(loading->emulated);
    const Preset* batch = find_preset("3-batch-size-trade");
    ASSERT_NE(batch, nullptr);
    EXPECT_FALSE(batch->emulated);
}

TEST(Presets, SettingsReachTheConfiguration) {
    const Preset p = parse_preset(minimal("train", R"({"batch_size": 64, "storage": "emulated-hdd", "shuffle": false})",
                                          R"([{"title": "a", "explanation": "b", "knob": "storage_profile", "value": "page-cache"},
                                              {"title": "c", "explanation": "d", "restart": {"shuffle": true}}])"),
                                  "test.json");
    TrainConfig c;
    apply_settings(p.config, c, "test");
    EXPECT_EQ(c.batch_size, 64);
    EXPECT_EQ(c.storage, data::StorageKind::EmulatedHdd);
    EXPECT_FALSE(c.shuffle);
    EXPECT_TRUE(p.emulated);
    ASSERT_EQ(p.steps.size(), 2u);
    EXPECT_EQ(live_knob_value(p.steps[0], PresetMode::Train), static_cast<double>(data::StorageKind::PageCache));
    EXPECT_TRUE(p.steps[1].is_restart());

    const Preset q = parse_preset(minimal("infer", R"({"mode": "closed", "concurrency": 4, "max_batch": 8})",
                                          R"([{"title": "a", "explanation": "b", "knob": "queue_delay_us", "value": 200}])"),
                                  "test.json");
    infer::InferConfig ic;
    apply_settings(q.config, ic, "test");
    EXPECT_EQ(ic.mode, infer::LoadMode::Closed);
    EXPECT_EQ(ic.concurrency, 4);
    EXPECT_EQ(ic.max_batch, 8);

    // Model, optimizer and schedule are settings too (lesson 6 restarts with other models).
    const Preset m = parse_preset(minimal("train", R"({"model": "logreg", "optimizer": "adam", "lr_schedule": "cosine"})",
                                          R"([{"title": "a", "explanation": "b", "restart": {"model": "cnn:8:fc=16"}}])"),
                                  "test.json");
    TrainConfig mc;
    apply_settings(m.config, mc, "test");
    EXPECT_EQ(mc.model, "logreg");
    EXPECT_EQ(mc.optimizer, "adam");
    EXPECT_EQ(mc.lr_schedule, "cosine");
    apply_settings(m.steps[0].restart, mc, "test");
    EXPECT_EQ(mc.model, "cnn:8:fc=16");
}

TEST(Presets, BadFilesAreRefusedNamingTheProblem) {
    const std::string ok_step = R"([{"title": "a", "explanation": "b", "knob": "workers", "value": 2}])";
    EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
    // A number too large for a double (found by fuzzing: the JSON library's out_of_range, not a
    // parse_error, escaped parse_preset and ended the program).
    const std::string huge = error_of(R"({"format": 5)" + std::string(60, '5') + "e5555}");
    EXPECT_NE(huge.find("test.json: not valid JSON"), std::string::npos) << huge;
    EXPECT_NE(error_of(R"({"format": "batchscope-preset/2"})").find("format"), std::string::npos);
    std::string e = error_of(minimal("train", R"({"batchsize": 64})", ok_step));
    EXPECT_NE(e.find("unknown setting \"batchsize\""), std::string::npos) << e;
    EXPECT_NE(e.find("batch_size"), std::string::npos) << e;  // lists what is allowed
    e = error_of(minimal("train", R"({"batch_size": 0})", ok_step));
    EXPECT_NE(e.find("batch"), std::string::npos) << e;
    e = error_of(minimal("train", R"({"storage": "floppy"})", ok_step));
    EXPECT_NE(e.find("floppy"), std::string::npos) << e;
    EXPECT_NE(e.find("emulated-hdd"), std::string::npos) << e;
    e = error_of(minimal("train", "{}", R"([{"title": "a", "explanation": "b", "knob": "shuffle", "value": 0}])"));
    EXPECT_NE(e.find("not a live knob"), std::string::npos) << e;
    e = error_of(minimal("train", "{}", R"([{"title": "a", "explanation": "b", "knob": "prefetch_depth", "value": 65}])"));
    EXPECT_NE(e.find("prefetch"), std::string::npos) << e;
    e = error_of(minimal("infer", "{}", R"([{"title": "a", "explanation": "b", "knob": "workers", "value": 2}])"));
    EXPECT_NE(e.find("not a live knob"), std::string::npos) << e;
    e = error_of(minimal("train", "{}", R"([{"title": "a", "explanation": "b"}])"));
    EXPECT_NE(e.find("either"), std::string::npos) << e;
    e = error_of(minimal("train", R"({"batch_size": 12.5})", ok_step));
    EXPECT_NE(e.find("whole number"), std::string::npos) << e;
    e = error_of(minimal("serve", "{}", ok_step));
    EXPECT_NE(e.find("\"mode\""), std::string::npos) << e;
    e = error_of(minimal("train", R"({"model": "transformer"})", ok_step));
    EXPECT_NE(e.find("\"model\""), std::string::npos) << e;
    EXPECT_NE(e.find("transformer"), std::string::npos) << e;
    e = error_of(minimal("train", R"({"model": 3})", ok_step));
    EXPECT_NE(e.find("expected text"), std::string::npos) << e;
    e = error_of(minimal("train", R"({"optimizer": "lbfgs"})", ok_step));
    EXPECT_NE(e.find("lbfgs"), std::string::npos) << e;
    e = error_of(minimal("train", "{}", R"([{"title": "a", "explanation": "b", "restart": {"model": "mlp:0"}}])"));
    EXPECT_NE(e.find("step 1"), std::string::npos) << e;
    EXPECT_EQ(error_of(minimal("train", "{}", ok_step)), "");  // the minimal file itself is fine
    EXPECT_THROW(load_preset_file("/nonexistent/preset.json"), PresetError);
}

// A misspelt key ("cofig" for "config") was ignored and the preset ran on the defaults.
TEST(Presets, UnknownKeysAreRefusedNotIgnored) {
    const std::string ok_step = R"([{"title": "a", "explanation": "b", "knob": "workers", "value": 2}])";
    std::string text = minimal("train", "{}", ok_step);
    text.replace(text.find("\"config\""), 8, "\"cofig\"");
    std::string e = error_of(text);
    EXPECT_NE(e.find("test.json: unknown key \"cofig\""), std::string::npos) << e;
    EXPECT_NE(e.find("config"), std::string::npos) << e;  // names the keys there are
    e = error_of(minimal("train", "{}", R"([{"title": "a", "explanation": "b", "knob": "workers", "vaule": 2}])"));
    EXPECT_NE(e.find("step 1: unknown key \"vaule\""), std::string::npos) << e;
}
