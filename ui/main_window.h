#pragma once
// The dashboard window: knobs, data controls and the run summary on the left; tabs for the live
// training charts (with the bottleneck verdict), inference and saved sessions; the workshop dock;
// backend and GPU probe in the status bar. A 30 Hz timer pulls the run's immutable snapshot and
// redraws only when it changed; the GUI thread never waits on the engine or the disk.
// Presenter mode and presets: main_window_workshop.cpp.
#include <QFont>
#include <QMainWindow>
#include <QPalette>
#include <QString>
#include <QTimer>
#include <future>
#include <map>
#include <memory>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/preset.h"
#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"
#include "batchscope/knobs/knob.h"
#include "run_owner.h"
#include "run_timeline.h"

class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;
class QDockWidget;
class QTabWidget;

namespace batchscope::ui {

class ControlPanel;
class DataPanel;
class InferPane;
class PresetPanel;
class EpochTableModel;
class LiveTabs;
class LiveViews;
class RunStatusPanel;
class SessionsView;
class VerdictPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 33;
    static constexpr int kMainSideWidth = 330;  // the controls column (x1.5 in presenter mode)

    // `initial` gives the knob values shown and everything else a run is started with
    // (data_dir, train_limit, ...).
    explicit MainWindow(engine::TrainConfig initial = {}, QWidget* parent = nullptr,
                        const QString& sessions_db = {});
    ~MainWindow() override;

    engine::TrainingRun* run() const { return owner_.run(); }
    uint64_t runSerial() const { return owner_.serial(); }  // which run: see RunOwner::serial()
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
    DataPanel* dataPanel() const { return data_; }
    LiveViews* liveViews() const { return views_; }
    LiveTabs* liveTabs() const { return live_tabs_; }
    EpochTableModel* epochModel() const { return epochs_; }
    VerdictPanel* verdictPanel() const { return verdict_; }
    SessionsView* sessionsView() const { return sessions_; }
    InferPane* inferPane() const { return infer_; }
    PresetPanel* presetPanel() const { return presets_; }
    QDockWidget* workshopDock() const { return workshop_; }
    QTabWidget* tabs() const { return tabs_; }
    // The failure shown to the user (empty while there is none).
    QString failureText() const;
    // Whether knob values and geometry are saved (QSettings) on start and close; off for
    // reproducible screenshots.
    void setRememberSettings(bool on);
    // Presenter mode: full screen, larger fonts, high contrast (F11 toggles). The palette of
    // every chart is Okabe-Ito (colour-blind safe) in both modes.
    void setPresenterMode(bool on);
    bool presenterMode() const { return presenter_; }
    // Workshop presets: restart with the lesson's settings (training or inference), then make
    // its steps one by one. False (and the reason shown) when something was refused.
    bool loadPreset(const engine::Preset* preset);
    bool nextPresetStep();
    // The Workshop dock's lesson: the running segment's figures (the verdict's window).
    void measureWorkshop(const engine::RunSnapshot& s);
    // Shows a tab: "live", "inference" or "sessions"; "pipeline" and "gpu": a Live sub-tab.
    void showView(const QString& view);

public slots:
    void startRun();
    void togglePause();
    void stopRun();
    void refresh();  // the timer's slot; public so tests can force a frame
    // Sets a live knob as if typed into its control (the verdict panel's "apply"); false and
    // the refusal shown when the run refused it or there is no live run.
    bool applyKnob(knobs::Knob knob, int value);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    // Sends a knob to the live run; empty when sent (or nothing to send), else the refusal.
    QString sendKnob(knobs::Knob knob, int value);
    void pollGpuProbe();
    // Feeds the Live tab's views the shown snapshot if the tab is visible (else marks them stale);
    // `catch_up`: only if they are stale (the tab was just shown).
    // What every Live-tab view must do to keep the GUI thread under 20% of a core at 30 Hz
    // (docs/BENCHMARKS-ui.md): draw only from LiveViews::showSnapshot (called only while the tab
    // is shown); a view that can itself be hidden (a sub-tab, a collapsed pane) returns early
    // unless isVisible() and redraws from the newest snapshot when shown; return at once when
    // the data equals what is drawn; replace a series' points in one call, never per point; no
    // animations; touch axes, labels, icons, tooltips and style sheets only when their value
    // changes; numbers in text at most ~10 times a second.
    void drawLive(bool catch_up);
    bool runActive() const;

    engine::TrainConfig base_;
    RunOwner owner_;
    ControlPanel* controls_;
    DataPanel* data_;
    RunStatusPanel* status_;
    VerdictPanel* verdict_;
    LiveViews* views_;
    LiveTabs* live_tabs_ = nullptr;
    SessionsView* sessions_;
    InferPane* infer_;
    PresetPanel* presets_;
    QDockWidget* workshop_;
    QTabWidget* tabs_;
    QWidget* side_ = nullptr;
    EpochTableModel* epochs_;
    QTableView* epoch_view_;
    QLabel* backend_label_;
    QLabel* gpu_label_;
    QLabel* session_label_;
    QLabel* failure_label_;
    QTimer timer_;
    std::shared_ptr<const engine::RunSnapshot> shown_;
    RunTimeline timeline_;
    std::map<knobs::Knob, int> requested_;  // knob values last sent to the current run
    std::future<engine::GpuProbeResult> gpu_probe_;
    int redraws_ = 0;
    bool live_stale_ = false;  // the Live tab's views have not seen shown_
    std::string backend_;      // the status bar's backend line (backend_status), set only when it changes
    bool remember_settings_ = true;
    bool presenter_ = false;
    QFont normal_font_;
    QPalette normal_palette_;
};

}  // namespace batchscope::ui
