#pragma once
// The knobs (batch size, prefetch depth, loader workers, epochs), the model, optimizer, learning
// rate and backend of the next run, and the run buttons.
// Spin box ranges come from engine::KnobLimits, so invalid values cannot be entered; values
// are reported when editing is finished (keyboard tracking off: typing 256 sends 256 only).
#include <QString>
#include <QWidget>
#include <optional>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace batchscope::ui {

class ControlPanel : public QWidget {
    Q_OBJECT
public:
    explicit ControlPanel(const engine::TrainConfig& initial, QWidget* parent = nullptr);

    // `base` with the knob values shown in the panel.
    engine::TrainConfig config(engine::TrainConfig base) const;
    // Shows batch, prefetch, workers and epochs of `c` without reporting them as changes.
    void setConfig(const engine::TrainConfig& c);
    // Shows knob values without reporting them as changes (e.g. after a refusal).
    void showKnob(knobs::Knob knob, int value);
    // Why the next run cannot start with what the panel shows (a model spec still being typed);
    // empty when it can.
    QString problem() const;
    // What the GPU probe found: the GPU entry of the backend list is enabled only when usable,
    // and its tooltip says why not. A saved "cuda" stays selected (the run then says why it fails).
    void setGpuAvailability(bool usable, const QString& why);
    // Enables what makes sense in `state` (nullopt: no run yet).
    void setRunState(std::optional<engine::RunState> state);
    void showRefusal(const QString& message);  // empty hides it

    QSpinBox* batchSpin() const { return batch_; }
    QSpinBox* prefetchSpin() const { return prefetch_; }
    QSpinBox* workersSpin() const { return workers_; }
    QSpinBox* epochsSpin() const { return epochs_; }
    QComboBox* modelCombo() const { return model_; }
    QComboBox* optimizerCombo() const { return optimizer_; }
    QDoubleSpinBox* learningRateSpin() const { return lr_; }
    QComboBox* backendCombo() const { return backend_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* stopButton() const { return stop_; }
    QLabel* refusalLabel() const { return refusal_; }

signals:
    // knob is BatchSize, PrefetchDepth or Workers.
    void knobEdited(knobs::Knob knob, int value);
    void startClicked();
    void pauseClicked();
    void stopClicked();

private:
    QSpinBox* makeSpin(int min, int max, int value, const QString& tip);
    // A live knob's spin box: range and tooltip from the registry (knobs/knob.h), edits reported.
    QSpinBox* makeKnobSpin(knobs::Knob knob, int value);

    QSpinBox* batch_;
    QSpinBox* prefetch_;
    QSpinBox* workers_;
    QSpinBox* epochs_;
    QComboBox* model_;
    QComboBox* optimizer_;
    QDoubleSpinBox* lr_;
    QComboBox* backend_;
    QPushButton* start_;
    QPushButton* pause_;
    QPushButton* stop_;
    QLabel* refusal_;
    // The state the buttons show: setRunState() does nothing (no relayout) while it is unchanged.
    std::optional<std::optional<engine::RunState>> shown_state_;
};

}  // namespace batchscope::ui
