#pragma once
// The command line of the `batchscope` GUI: data folder, knob values, --start, and a timed
// screenshot (used for the README). Lives here because app/ holds only gui_main.cpp.
#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

#include "batchscope/engine/train_config.h"

namespace batchscope::ui {

struct AppOptions {
    engine::TrainConfig config;
    bool start = false;             // start training right away
    QString screenshot;             // grab the window to this PNG, then quit
    double screenshot_after_s = 5;  // ... this many seconds after start-up
    QString view = QStringLiteral("live");  // tab shown: live, inference, sessions
    bool serve = false;             // start serving the checkpoint on the inference tab
    bool sweep = false;             // start a latency-versus-throughput sweep on the inference tab
    QString checkpoint;             // the checkpoint the inference tab serves (empty: the last trained)
    std::vector<int64_t> compare;   // session ids to compare on the sessions tab
    bool presenter = false;
    QString preset;                 // workshop preset to load at start-up (id or lesson number)         // start in presenter mode
    QString error;                  // non-empty: bad command line, say it and exit
};

// `defaults` (remembered knob values) overridden by what `arguments` sets. Handles --help and
// --version itself (prints and exits), like QCommandLineParser::process.
AppOptions parse_app_options(const QStringList& arguments, engine::TrainConfig defaults);

}  // namespace batchscope::ui
