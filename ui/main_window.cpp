#include "main_window.h"

#include "group_box.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QHeaderView>
#include <QDir>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <chrono>

#include "charts/presenter_style.h"
#include "control_panel.h"
#include "phase_style.h"
#include "data_panel.h"
#include "infer_pane.h"
#include "preset_panel.h"
#include "epoch_table_model.h"
#include "live_tabs.h"
#include "pipeline_view.h"
#include "live_views.h"
#include "batchscope/store/session_store.h"
#include "run_status_panel.h"
#include "run_text.h"
#include "sessions_view.h"
#include "trace_import_ui.h"
#include "verdict_panel.h"
#include "window_settings.h"

namespace batchscope::ui {

using engine::RunState;

namespace {
constexpr int kVerdictEvery = 8;  // redraws (~4 Hz at 30 Hz)
constexpr int kTextEvery = 3;     // redraws (~10 Hz): the run's numbers in the side panel

bool is_active(RunState s) { return !engine::run_ended(s); }

}  // namespace

MainWindow::MainWindow(engine::TrainConfig initial, QWidget* parent, const QString& sessions_db)
    : QMainWindow(parent),
      base_(std::move(initial)),
      controls_(new ControlPanel(base_)),
      data_(new DataPanel(base_)),
      status_(new RunStatusPanel),
      verdict_(new VerdictPanel),
      views_(new LiveViews),
      sessions_(new SessionsView(sessions_db.isEmpty() ? QString::fromStdString(store::SessionStore::default_path())
                                                       : sessions_db)),
      infer_(new InferPane(QString::fromStdString(base_.checkpoint_path))),
      presets_(new PresetPanel),
      workshop_(new QDockWidget(tr("Workshop"))),
      tabs_(new QTabWidget),
      epochs_(new EpochTableModel(this)),
      epoch_view_(new QTableView),
      backend_label_(new QLabel),
      gpu_label_(new QLabel),
      session_label_(new QLabel),
      failure_label_(new QLabel) {
    setWindowTitle(tr("Batchscope \u2014 where the training time goes"));

    auto* side = new QWidget;
    auto* side_layout = new QVBoxLayout(side);
    side_layout->setContentsMargins(0, 0, 0, 0);
    side_layout->addWidget(group(tr("Knobs"), controls_));
    side_layout->addWidget(group(tr("Data"), data_));
    side_layout->addWidget(group(tr("Run"), status_));
    epoch_view_->setModel(epochs_);
    epoch_view_->verticalHeader()->hide();
    epoch_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    epoch_view_->horizontalHeader()->setSectionResizeMode(EpochTableModel::Epoch, QHeaderView::ResizeToContents);
    epoch_view_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    epoch_view_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    epoch_view_->setAlternatingRowColors(true);
    epoch_view_->setSelectionMode(QAbstractItemView::NoSelection);
    epoch_view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    epoch_view_->setMinimumHeight(90);
    side_layout->addWidget(group(tr("Epochs"), epoch_view_), 1);
    side->setFixedWidth(kMainSideWidth);
    side_ = side;

    auto* central = new QWidget;
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(8, 8, 8, 4);
    layout->setSpacing(8);
    layout->addWidget(side);
    auto* live = new QWidget;
    auto* live_layout = new QVBoxLayout(live);
    live_layout->setContentsMargins(0, 0, 0, 0);
    live_layout->addWidget(group(tr("Bottleneck of the recent iterations"), verdict_));
    live_tabs_ = new LiveTabs(views_);
    live_layout->addWidget(live_tabs_, 1);
    tabs_->addTab(live, tr("&Live"));
    tabs_->addTab(infer_, tr("&Inference"));
    tabs_->addTab(sessions_, tr("&Sessions"));
    tabs_->setTabToolTip(0, tr("The training run going on now (Alt+L)"));
    tabs_->setTabToolTip(1, tr("Serve the trained model under generated load: latency and batching (Alt+I)"));
    tabs_->setTabToolTip(2, tr("Saved sessions: browse, tag, compare, export (Alt+S)"));
    // Training runs save their model here when they end; the inference tab serves it.
    if (base_.checkpoint_path.empty()) {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        if (!dir.isEmpty() && QDir().mkpath(dir)) base_.checkpoint_path = (dir + QStringLiteral("/last-model.ckpt")).toStdString();
    }
    infer_->setDefaultCheckpoint(QString::fromStdString(base_.checkpoint_path));
    infer_->setSessionDb(QString::fromStdString(store::SessionStore::default_path()));
    workshop_->setObjectName(QStringLiteral("workshop"));
    workshop_->setWidget(presets_);
    workshop_->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    workshop_->setMinimumWidth(340);
    addDockWidget(Qt::RightDockWidgetArea, workshop_);
    workshop_->hide();
    connect(presets_, &PresetPanel::loadRequested, this, &MainWindow::loadPreset);
    connect(presets_, &PresetPanel::nextRequested, this, &MainWindow::nextPresetStep);
    connect(new QShortcut(QKeySequence(Qt::Key_F9), this), &QShortcut::activated, this,
            [this] { workshop_->setVisible(!workshop_->isVisible()); });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_L), this), &QShortcut::activated, this,
            [this] { loadPreset(presets_->selected()); });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_N), this), &QShortcut::activated, this,
            &MainWindow::nextPresetStep);
    connect(sessions_, &SessionsView::compared, this, [this] { set_charts_presenter(this, presenter_); });
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int i) {
        set_charts_presenter(this, presenter_);
        if (tabs_->widget(i) == sessions_) sessions_->refresh();
        if (i == 0) drawLive(true);
    });
    layout->addWidget(tabs_, 1);
    setCentralWidget(central);
    new TraceImportUi(this, sessions_, [this] { tabs_->setCurrentWidget(sessions_); });

    backend_label_->setText(tr("Backend: %1").arg(QString::fromStdString(backend_display_name("cpu"))));
    gpu_label_->setText(tr("GPU: probing\u2026"));
    failure_label_->setStyleSheet(QStringLiteral("color: #B00020; font-weight: bold;"));
    failure_label_->hide();
    statusBar()->addWidget(backend_label_);
    statusBar()->addWidget(session_label_);
    statusBar()->addWidget(failure_label_, 1);
    statusBar()->addPermanentWidget(gpu_label_);

    connect(controls_, &ControlPanel::startClicked, this, &MainWindow::startRun);
    connect(controls_, &ControlPanel::pauseClicked, this, &MainWindow::togglePause);
    connect(controls_, &ControlPanel::stopClicked, this, &MainWindow::stopRun);
    connect(controls_, &ControlPanel::knobEdited, this, &MainWindow::sendKnob);
    connect(data_, &DataPanel::storageChanged, this,
            [this](int kind) { sendKnob(knobs::Knob::StorageProfile, kind); });
    connect(verdict_, &VerdictPanel::applyRequested, this, [this](const QString& knob, int value) {
        if (const auto k = knobs::from_name(knob.toStdString())) applyKnob(*k, value);
    });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A), this), &QShortcut::activated,
            verdict_, [this] {
                if (verdict_->applyButton()->isEnabled()) verdict_->applyButton()->click();
            });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this), &QShortcut::activated, infer_,
            &InferPane::startRun);
    connect(new QShortcut(QKeySequence(Qt::Key_F11), this), &QShortcut::activated, this,
            [this] { setPresenterMode(!presenter_); });
    connect(new QShortcut(QKeySequence(Qt::Key_Escape), this), &QShortcut::activated, this,
            [this] { setPresenterMode(false); });
    connect(new QShortcut(QKeySequence(Qt::ALT | Qt::Key_1), this), &QShortcut::activated, this,
            [this] { tabs_->setCurrentIndex(0); });
    connect(new QShortcut(QKeySequence(Qt::ALT | Qt::Key_2), this), &QShortcut::activated, this,
            [this] { tabs_->setCurrentIndex(1); });
    connect(new QShortcut(QKeySequence(Qt::ALT | Qt::Key_3), this), &QShortcut::activated, this,
            [this] { tabs_->setCurrentIndex(2); });
    for (int i = 0; i < live_tabs_->count(); ++i)  // Ctrl+1..3: the Live tab's sub-tabs
        connect(new QShortcut(QKeySequence(Qt::CTRL | (Qt::Key_1 + i)), this), &QShortcut::activated, this, [this, i] {
            tabs_->setCurrentIndex(0);
            live_tabs_->setCurrentIndex(i);
        });
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_R), this), &QShortcut::activated, this,
            &MainWindow::startRun);
    connect(new QShortcut(QKeySequence(Qt::Key_Space), this), &QShortcut::activated, this,
            &MainWindow::togglePause);
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period), this), &QShortcut::activated, this,
            &MainWindow::stopRun);

    // The probe may open the CUDA plugin and initialise a driver: keep it off the GUI thread.
    gpu_probe_ = std::async(std::launch::async, [] { return engine::probe_gpu(); });

    timer_.setInterval(kRefreshMs);
    connect(&timer_, &QTimer::timeout, this, &MainWindow::refresh);
    timer_.start();

    resize(1360, 840);
    restore_window_geometry(this);
    live_tabs_->restoreLayout();
}

MainWindow::~MainWindow() {
    // Child widgets outlive this body (QWidget deletes them later) and may still emit, e.g.
    // editingFinished when focus leaves a spin box: cut them off from the half-destroyed window.
    controls_->disconnect(this);
    timer_.stop();
    owner_.retire();
}

void MainWindow::showView(const QString& view) {
    QWidget* w = view == QLatin1String("inference") ? static_cast<QWidget*>(infer_)
                 : view == QLatin1String("sessions") ? static_cast<QWidget*>(sessions_)
                                                     : tabs_->widget(0);
    tabs_->setCurrentWidget(w);
    if (view == QLatin1String("pipeline")) live_tabs_->setCurrentIndex(LiveTabs::Pipeline);
    if (view == QLatin1String("gpu")) live_tabs_->setCurrentIndex(LiveTabs::GpuMemory);
}

void MainWindow::setRememberSettings(bool on) {
    remember_settings_ = on;
    if (!on) live_tabs_->setCurrentIndex(LiveTabs::Breakdown);  // not the remembered sub-tab
    infer_->setSessionDb(on ? QString::fromStdString(store::SessionStore::default_path()) : QString());
}

QSpinBox* MainWindow::batchSpin() const { return controls_->batchSpin(); }
QSpinBox* MainWindow::prefetchSpin() const { return controls_->prefetchSpin(); }
QSpinBox* MainWindow::workersSpin() const { return controls_->workersSpin(); }
QSpinBox* MainWindow::epochsSpin() const { return controls_->epochsSpin(); }
QPushButton* MainWindow::startButton() const { return controls_->startButton(); }
QPushButton* MainWindow::pauseButton() const { return controls_->pauseButton(); }
QPushButton* MainWindow::stopButton() const { return controls_->stopButton(); }

QString MainWindow::failureText() const {
    return failure_label_->isVisibleTo(this) ? failure_label_->text() : QString();
}

bool MainWindow::runActive() const {
    if (!owner_.run()) return false;
    return is_active(owner_.run()->snapshot()->state);
}

void MainWindow::startRun() {
    if (runActive()) return;
    for (const QString& problem : {controls_->problem(), data_->problem()}) {
        if (problem.isEmpty()) continue;
        controls_->showRefusal(problem);
        return;
    }
    const engine::TrainConfig config = data_->config(controls_->config(base_));
    if (remember_settings_) save_knob_settings(config);
    timeline_.reset();
    live_tabs_->clear();
    verdict_->clear();
    epochs_->setEpochs({});
    shown_.reset();
    failure_label_->hide();
    controls_->showRefusal({});
    requested_ = {{knobs::Knob::BatchSize, config.batch_size},
                  {knobs::Knob::PrefetchDepth, config.prefetch_depth},
                  {knobs::Knob::Workers, config.workers},
                  {knobs::Knob::StorageProfile, static_cast<int>(config.storage)}};
    // The previous run, already ended, is destroyed in the background. Runs are saved as
    // sessions (`batchscope-cli sessions ...`), except for screenshots.
    // A run of a workshop lesson is tagged with it, as `batchscope-cli presets run` does.
    std::vector<std::string> tags;
    if (const engine::Preset* p = presets_->loaded()) tags.push_back("preset:" + p->id);
    owner_.start(config, remember_settings_ ? store::SessionStore::default_path() : std::string(), std::move(tags));
    controls_->setRunState(RunState::Idle);
    refresh();
}

void MainWindow::togglePause() {
    engine::TrainingRun* r = owner_.run();
    if (!r) return;
    const RunState s = r->snapshot()->state;
    if (s == RunState::Paused)
        r->resume();
    else if (s == RunState::Running || s == RunState::Loading)
        r->pause();
}

void MainWindow::stopRun() {
    if (engine::TrainingRun* r = owner_.run()) r->stop();
}

QString MainWindow::sendKnob(knobs::Knob knob, int value) {
    engine::TrainingRun* r = owner_.run();
    if (!r || !is_active(r->snapshot()->state)) return {};  // used when the next run starts
    auto it = requested_.find(knob);
    if (it != requested_.end() && it->second == value) return {};  // already sent
    const std::string error = r->set_knob(knob, value);  // refuses what is not a live training knob
    if (error.empty()) {
        requested_[knob] = value;
        controls_->showRefusal({});
        return {};
    }
    const QString why = tr("Not applied: %1").arg(QString::fromStdString(error));
    controls_->showRefusal(why);
    if (it != requested_.end()) {
        controls_->showKnob(knob, it->second);
        if (knob == knobs::Knob::StorageProfile) data_->showStorage(it->second);
    }
    return why;
}

bool MainWindow::applyKnob(knobs::Knob knob, int value) {
    engine::TrainingRun* r = owner_.run();
    if (!r || !is_active(r->snapshot()->state)) {
        controls_->showRefusal(tr("Not applied: no run is going on"));
        return false;
    }
    const auto it = requested_.find(knob);
    const int from = it != requested_.end() ? it->second : value;
    if (!sendKnob(knob, value).isEmpty()) return false;
    controls_->showKnob(knob, value);
    verdict_->noteApplied(QString::fromLatin1(knobs::info(knob).name.data(), static_cast<qsizetype>(knobs::info(knob).name.size())),
                          from, value);
    return true;
}

void MainWindow::pollGpuProbe() {
    if (!gpu_probe_.valid() ||
        gpu_probe_.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return;
    const engine::GpuProbeResult probe = gpu_probe_.get();
    // The reason can be long (paths searched): elide it on screen, keep it whole in the tooltip.
    const QString summary = QString::fromStdString(probe.summary());
    gpu_label_->setText(gpu_label_->fontMetrics().elidedText(summary, Qt::ElideRight, 620));
    gpu_label_->setToolTip(summary);
    controls_->setGpuAvailability(probe.usable, QString::fromStdString(probe.reason));
    infer_->setGpuAvailability(probe.usable, QString::fromStdString(probe.reason));
}

void MainWindow::refresh() {
    pollGpuProbe();
    engine::TrainingRun* r = owner_.run();
    if (!r) return;
    std::shared_ptr<const engine::RunSnapshot> snap = r->snapshot();
    if (!snap || snap == shown_) return;  // nothing new: no redraw
    const bool state_changed = !shown_ || shown_->state != snap->state;
    shown_ = std::move(snap);
    ++redraws_;
    const engine::RunSnapshot& s = *shown_;
    timeline_.observe(s);
    live_tabs_->pipeline()->observe(s);  // the whole-run queue series, shown or not
    if (redraws_ % kVerdictEvery == 0 || s.state != RunState::Running) measureWorkshop(s);
    // Numbers that change every frame relayout the side panel (its labels wrap): 10 a second
    // are as readable as 30. A new state is shown at once.
    if (state_changed || redraws_ % kTextEvery == 0 || s.state != RunState::Running) status_->showSnapshot(s);
    drawLive(false);
    const int rows = epochs_->rowCount();
    epochs_->setEpochs(s.epochs_done);
    if (epochs_->rowCount() != rows) epoch_view_->scrollToBottom();
    controls_->setRunState(s.state);
    data_->setRunState(s.state);
    if (std::string line = backend_status(s); line != backend_) {
        backend_ = std::move(line);
        backend_label_->setText(QString::fromStdString(backend_));
        backend_label_->setToolTip(QString::fromStdString(s.gpu_timing.describe()));
    }
    if (!state_changed && redraws_ % kTextEvery != 0) return;  // the status bar below: 10 a second
    if (const engine::SessionSink* sink = owner_.sink()) {
        const std::string err = sink->error();
        session_label_->setText(!err.empty() ? tr("Not saved: %1").arg(QString::fromStdString(err)) : sink->session_id()
                                    ? tr("Session %1").arg(sink->session_id()) : QString());
        session_label_->setToolTip(!err.empty() ? tr("This run is not being saved: %1").arg(QString::fromStdString(err))
                                                : tr("Saved in %1").arg(QString::fromStdString(sink->db_path())));
        session_label_->setStyleSheet(err.empty() ? QString() : QStringLiteral("color: #B00020;"));
    } else {
        session_label_->setText(tr("Not saved"));
        session_label_->setToolTip(tr("Session saving is off for this window"));
    }
    const bool failed = s.state == RunState::Failed;
    failure_label_->setVisible(failed);
    if (failed) failure_label_->setText(tr("Run failed: %1").arg(QString::fromStdString(s.message)));
}

void MainWindow::drawLive(bool catch_up) {
    if (!shown_) return;
    // The Live tab's views draw only while it is shown; switching back draws the newest snapshot.
    if (tabs_->currentIndex() != 0 || !isVisible()) {
        live_stale_ = true;
        return;
    }
    if (catch_up && !live_stale_) return;
    live_stale_ = false;
    const engine::RunSnapshot& s = *shown_;
    live_tabs_->showSnapshot(shown_, timeline_);  // feeds the sub-tab shown (Breakdown, Pipeline, GPU & memory)
    // The verdict judges 50-iteration windows: 4 updates a second are plenty (and its word-wrapped
    // labels relayout the strip on every change).
    if (catch_up || redraws_ % kVerdictEvery == 0 || s.state != engine::RunState::Running) verdict_->showSnapshot(s);
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    drawLive(true);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (remember_settings_) {
        save_knob_settings(data_->config(controls_->config(base_)));
        save_window_geometry(this);
        live_tabs_->saveLayout();
    }
    owner_.retire();  // stop, and join in the background
    QMainWindow::closeEvent(event);
}

}  // namespace batchscope::ui
