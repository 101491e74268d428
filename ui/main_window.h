#pragma once
// The dashboard window: knobs and run buttons on the left with the run summary, live charts on
// the right, backend and GPU probe in the status bar. A 30 Hz timer pulls the run's immutable
// snapshot and redraws only when it changed; the GUI thread never waits on the engine.
#include <QMainWindow>
#include <QString>
#include <QTimer>
#include <future>
#include <map>
#include <memory>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"
#include "run_owner.h"
#include "run_timeline.h"

class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace batchscope::ui {

class ControlPanel;
class EpochTableModel;
class LiveViews;
class RunStatusPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 33;

    // `initial` gives the knob values shown and everything else a run is started with
    // (data_dir, train_limit, ...).
    explicit MainWindow(engine::TrainConfig initial = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    engine::TrainingRun* run() const { return owner_.run(); }
    const engine::SessionSink* sessionSink() const { return owner_.sink(); }
    std::shared_ptr<const engine::RunSnapshot> shownSnapshot() const { return shown_; }
    int redrawCount() const { return redraws_; }

    QSpinBox* batchSpin() const;
    QSpinBox* prefetchSpin() const;
    QSpinBox* workersSpin() const;
    QSpinBox* epochsSpin() const;
    QPushButton* startButton() const;
    QPushButton* pauseButton() const;
    QPushButton* stopButton() const;
    ControlPanel* controls() const { return controls_; }
    RunStatusPanel* statusPanel() const { return status_; }
    LiveViews* liveViews() const { return views_; }
    EpochTableModel* epochModel() const { return epochs_; }
    // The failure shown to the user (empty while there is none).
    QString failureText() const;
    // Whether knob values and geometry are saved (QSettings) on start and close; off for
    // reproducible screenshots.
    void setRememberSettings(bool on) { remember_settings_ = on; }

public slots:
    void startRun();
    void togglePause();
    void stopRun();
    void refresh();  // the timer's slot; public so tests can force a frame

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void onKnobEdited(const QString& knob, int value);
    void pollGpuProbe();
    bool runActive() const;

    engine::TrainConfig base_;
    RunOwner owner_;
    ControlPanel* controls_;
    RunStatusPanel* status_;
    LiveViews* views_;
    EpochTableModel* epochs_;
    QTableView* epoch_view_;
    QLabel* backend_label_;
    QLabel* gpu_label_;
    QLabel* session_label_;
    QLabel* failure_label_;
    QTimer timer_;
    std::shared_ptr<const engine::RunSnapshot> shown_;
    RunTimeline timeline_;
    std::map<QString, int> requested_;  // knob values last sent to the current run
    std::future<engine::GpuProbeResult> gpu_probe_;
    int redraws_ = 0;
    bool remember_settings_ = true;
};

}  // namespace batchscope::ui
