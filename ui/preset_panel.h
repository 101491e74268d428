#pragma once
// The workshop panel: pick one of the built-in lesson presets (resources/presets), read its
// explanation, load it (the run restarts with its settings) and press "Next step" to make the
// change the lesson is about. The window carries the preset out (MainWindow::loadPreset /
// nextPresetStep); this panel shows the lesson, where the presenter is in it, what each step is
// expected to show and, once measured, whether it held.
#include <QWidget>

#include "batchscope/engine/preset.h"
#include "batchscope/engine/preset_player.h"

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace batchscope::ui {

class PresetPanel : public QWidget {
    Q_OBJECT
public:
    explicit PresetPanel(QWidget* parent = nullptr);

    const engine::Preset* selected() const;
    const engine::Preset* loaded() const { return loaded_; }
    int nextStep() const { return next_; }  // index of the step "Next step" makes
    // The window loaded `p` (steps start again) / made the next step.
    void markLoaded(const engine::Preset* p);
    void markStepDone(size_t changes_now = 0);
    // The running segment's figures (the live run's verdict window); `changes_now`: the run's
    // knob changes so far.
    void showMeasured(const engine::SegmentFigures& figures, size_t changes_now);
    const engine::PresetProgress& progress() const { return progress_; }

    QComboBox* presetCombo() const { return combo_; }
    QPushButton* loadButton() const { return load_; }
    QPushButton* nextButton() const { return next_button_; }
    QLabel* explanationLabel() const { return explanation_; }
    QListWidget* stepList() const { return steps_; }

signals:
    void loadRequested(const batchscope::engine::Preset* preset);
    void nextRequested();

private:
    void showSelected();
    void updateSteps();

    QComboBox* combo_;
    QLabel* explanation_;
    QListWidget* steps_;
    QPushButton* load_;
    QPushButton* next_button_;
    const engine::Preset* loaded_ = nullptr;
    int next_ = 0;
    engine::PresetProgress progress_;
};

}  // namespace batchscope::ui
