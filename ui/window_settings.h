#pragma once
// What the dashboard remembers between sessions (QSettings, organisation "Batchscope"):
// the knob values and the window geometry.
#include "batchscope/engine/train_config.h"

class QMainWindow;

namespace batchscope::ui {

// `defaults` with the remembered knob values (each clamped to KnobLimits).
engine::TrainConfig load_knob_settings(engine::TrainConfig defaults);
void save_knob_settings(const engine::TrainConfig& config);

bool restore_window_geometry(QMainWindow* window);  // false when nothing was saved
void save_window_geometry(const QMainWindow* window);

}  // namespace batchscope::ui
