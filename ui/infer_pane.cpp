#include "infer_pane.h"

#include "backend_combo.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdio>

#include "chart_export.h"
#include "charts/histogram_chart.h"
#include "charts/sweep_chart.h"
#include "charts/time_series_chart.h"
#include "infer_gpu_view.h"
#include "infer_verdict_view.h"
#include "phase_style.h"
#include "run_text.h"
#include "sweep_panel.h"

namespace batchscope::ui {

namespace infer = engine::infer;
using infer::InferLimits;
using infer::LoadMode;

namespace {

bool active(engine::RunState s) { return !engine::run_ended(s); }

std::string us_label(int64_t ns) {
    char buf[32];
    const double us = static_cast<double>(ns) / 1e3;
    std::snprintf(buf, sizeof buf, us < 10 ? "%.1f" : "%.0f", us);
    return buf;
}

QStringList qlabels(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v) out << QString::fromStdString(s);
    return out;
}

QString infer_knob_label(const engine::KnobChange& k) {
    const QString name = k.knob == "queue_delay_us" ? QStringLiteral("delay µs")
                         : k.knob == "max_batch"    ? QStringLiteral("max batch")
                                                    : QString::fromStdString(k.knob);
    return QStringLiteral("%1 %2\u2192%3").arg(name).arg(k.old_value).arg(k.new_value);
}

}  // namespace

Bars latency_bars(const std::vector<infer::HistogramBin>& bins) {
    Bars b;
    size_t first = 0, last = bins.size();
    while (first < last && bins[first].count == 0) ++first;
    while (last > first && bins[last - 1].count == 0) --last;
    std::string prev;
    for (size_t i = first; i < last; ++i) {
        std::string label = us_label(bins[i].lo_ns);
        if (label == prev) label += "+";  // category labels must differ
        prev = label;
        b.labels.push_back(label);
        b.counts.push_back(static_cast<double>(bins[i].count));
    }
    return b;
}

Bars batch_bars(const std::vector<int64_t>& sizes) {
    Bars b;
    size_t last = sizes.size();
    while (last > 1 && sizes[last - 1] == 0) --last;
    for (size_t k = 1; k < last; ++k) {
        b.labels.push_back(std::to_string(k));
        b.counts.push_back(static_cast<double>(sizes[k]));
    }
    return b;
}

InferPane::InferPane(const QString& checkpoint, QWidget* parent)
    : QWidget(parent), checkpoint_(new QLineEdit(checkpoint)), mode_(new QComboBox), rate_(new QDoubleSpinBox),
      concurrency_(new QSpinBox), max_batch_(new QSpinBox), delay_(new QSpinBox), requests_(new QSpinBox),
      start_(new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start serving"))),
      stop_(new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"))), message_(new QLabel),
      status_(new QLabel),
      percentiles_(new TimeSeriesChart(tr("Latency percentiles over time"), tr("latency [µs]"))),
      latency_hist_(new HistogramChart(tr("Latency histogram"), tr("latency from [µs]"), tr("requests"),
                                       QColor(palette::kBlue))),
      batch_hist_(new HistogramChart(tr("Batch sizes served"), tr("requests per batch"), tr("batches"),
                                     QColor(palette::kBluishGreen))),
      sweep_(new SweepPanel), gpu_view_(new InferGpuView), verdict_(new InferVerdictView), view_tabs_(new QTabWidget) {
    p50_ = percentiles_->addSeries(tr("p50"), QColor(palette::kBluishGreen));
    p90_ = percentiles_->addSeries(tr("p90"), QColor(palette::kOrange));
    p99_ = percentiles_->addSeries(tr("p99"), QColor(palette::kVermillion));
    percentiles_->setToolTip(tr("Latency from each request's scheduled arrival to its answer (no coordinated "
                                "omission), per 0.25 s; dashed lines mark knob changes."));
    latency_hist_->setToolTip(tr("How many requests took how long (10 bins per decade)."));
    batch_hist_->setToolTip(tr("How many batches the dynamic batcher formed of each size: a longer queue delay and "
                               "a larger maximum batch make fuller batches at the cost of waiting."));
    add_chart_save_menu(percentiles_, QStringLiteral("latency-percentiles"));
    add_chart_save_menu(latency_hist_, QStringLiteral("latency-histogram"));
    add_chart_save_menu(batch_hist_, QStringLiteral("batch-sizes"));
    add_chart_save_menu(sweep_->chart(), QStringLiteral("latency-vs-throughput"));

    auto* hists = new QSplitter(Qt::Horizontal);
    hists->addWidget(latency_hist_);
    hists->addWidget(batch_hist_);
    auto* views = new QSplitter(Qt::Vertical);
    views->addWidget(percentiles_);
    views->addWidget(hists);
    views->setChildrenCollapsible(false);
    view_tabs_->addTab(views, tr("Stream"));
    view_tabs_->addTab(sweep_->chart(), tr("Latency vs throughput (sweep)"));
    view_tabs_->setTabToolTip(0, tr("The stream being served: percentiles over time and histograms"));
    view_tabs_->addTab(gpu_view_, tr("GPU"));
    view_tabs_->setTabToolTip(1, tr("p50 and p99 latency against achieved throughput, one curve per max batch"));
    view_tabs_->setTabToolTip(2, tr("Serving on the GPU: how h2d, compute and d2h are timed (CUPTI records or CUDA "
                                    "events), and the stream's kernel and copy tables"));
    auto* side = new QWidget;
    auto* side_layout = new QVBoxLayout(side);
    side_layout->setContentsMargins(0, 0, 0, 0);
    side_layout->addWidget(makeControls());
    side_layout->addWidget(verdict_);
    side_layout->addWidget(sweep_);
    verdict_->setFixedWidth(330);
    // Apply sets the control, which sends the knob to the run as a change by hand would.
    connect(verdict_, &InferVerdictView::applyRequested, this, [this](knobs::Knob knob, double value) {
        if (knob == knobs::Knob::Rate) rate_->setValue(value);
        else if (knob == knobs::Knob::Concurrency) concurrency_->setValue(static_cast<int>(value));
        else if (knob == knobs::Knob::MaxBatch) max_batch_->setValue(static_cast<int>(value));
        else if (knob == knobs::Knob::QueueDelayUs) delay_->setValue(static_cast<int>(value));
    });
    side_layout->addStretch(1);
    sweep_->setFixedWidth(330);
    connect(sweep_, &SweepPanel::runRequested, this, &InferPane::startSweep);
    connect(sweep_, &SweepPanel::runningChanged, this, &InferPane::updateEnabled);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(side);
    layout->addWidget(view_tabs_, 1);

    timer_.setInterval(33);
    connect(&timer_, &QTimer::timeout, this, &InferPane::refresh);
    timer_.start();
    updateEnabled();
}

InferPane::~InferPane() { timer_.stop(); }

QWidget* InferPane::makeControls() {
    for (auto [m, name] : {std::pair{LoadMode::Poisson, tr("Poisson arrivals (open loop)")},
                           {LoadMode::Constant, tr("Constant rate (open loop)")},
                           {LoadMode::Bursts, tr("Bursts (open loop)")},
                           {LoadMode::Closed, tr("Closed loop (fixed concurrency)")},
                           {LoadMode::Offline, tr("Offline (all at once)")}})
        mode_->addItem(name, static_cast<int>(m));
    mode_->setToolTip(tr("How requests arrive. Open loop: at a rate, whether or not answers came back (as users "
                         "do). Closed loop: a fixed number outstanding. Offline: everything queued at once."));
    rate_->setRange(InferLimits::kMinRate, InferLimits::kMaxRate);
    rate_->setDecimals(0);
    rate_->setValue(2000);
    rate_->setSuffix(tr(" req/s"));
    rate_->setToolTip(tr("Requests per second (open loop). Applied live."));
    concurrency_->setRange(InferLimits::kMinConcurrency, InferLimits::kMaxConcurrency);
    concurrency_->setValue(4);
    concurrency_->setToolTip(tr("Requests outstanding at any time (closed loop). Applied live."));
    max_batch_->setRange(InferLimits::kMinMaxBatch, InferLimits::kMaxMaxBatch);
    max_batch_->setValue(8);
    max_batch_->setToolTip(tr("Largest batch the dynamic batcher forms. Applied live."));
    delay_->setRange(0, static_cast<int>(InferLimits::kMaxQueueDelayUs));
    delay_->setValue(200);
    delay_->setSuffix(tr(" µs"));
    delay_->setToolTip(tr("Longest a request waits for a fuller batch. Applied live."));
    requests_->setRange(0, 100'000'000);
    requests_->setValue(0);
    requests_->setSpecialValueText(tr("until stopped"));
    requests_->setToolTip(tr("Requests to issue; \"until stopped\" keeps serving (not offline). Used at start."));
    for (QAbstractSpinBox* s : std::initializer_list<QAbstractSpinBox*>{rate_, concurrency_, max_batch_, delay_, requests_}) {
        s->setKeyboardTracking(false);
        s->setAlignment(Qt::AlignRight);
        s->setAccelerated(true);
    }
    connect(rate_, &QDoubleSpinBox::valueChanged, this, [this](double v) { sendKnob(knobs::Knob::Rate, v); });
    connect(concurrency_, &QSpinBox::valueChanged, this, [this](int v) { sendKnob(knobs::Knob::Concurrency, v); });
    connect(max_batch_, &QSpinBox::valueChanged, this, [this](int v) { sendKnob(knobs::Knob::MaxBatch, v); });
    connect(delay_, &QSpinBox::valueChanged, this, [this](int v) { sendKnob(knobs::Knob::QueueDelayUs, v); });
    connect(mode_, &QComboBox::currentIndexChanged, this, &InferPane::updateEnabled);

    checkpoint_->setToolTip(tr("The trained model to serve (a Batchscope checkpoint). By default the model of the "
                               "last training run in this window's data folder."));
    auto* browse = new QPushButton(tr("Browse\u2026"));
    browse->setAutoDefault(false);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Checkpoint"), checkpoint_->text(),
                                                       tr("Batchscope checkpoints (*.ckpt);;All files (*)"));
        if (!f.isEmpty()) checkpoint_->setText(f);
    });
    auto* ck = new QHBoxLayout;
    ck->addWidget(checkpoint_, 1);
    ck->addWidget(browse);

    backend_ = make_backend_combo(tr("Serving"));
    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->addRow(tr("Model"), ck);
    form->addRow(tr("Bac&kend"), backend_);
    form->addRow(tr("&Load"), mode_);
    form->addRow(tr("&Rate"), rate_);
    form->addRow(tr("&Concurrency"), concurrency_);
    form->addRow(tr("&Max batch"), max_batch_);
    form->addRow(tr("Queue &delay"), delay_);
    form->addRow(tr("Re&quests"), requests_);
    start_->setToolTip(tr("Load the model and the test images, then serve them (Ctrl+Shift+R)"));
    stop_->setToolTip(tr("Stop issuing requests"));
    for (auto* b : {start_, stop_}) b->setAutoDefault(false);
    connect(start_, &QPushButton::clicked, this, &InferPane::startRun);
    connect(stop_, &QPushButton::clicked, this, &InferPane::stopRun);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    message_->setWordWrap(true);
    message_->hide();
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setText(tr("Not serving."));

    auto* box = new QGroupBox(tr("Serving"));
    auto* v = new QVBoxLayout(box);
    v->addLayout(form);
    v->addLayout(buttons);
    v->addWidget(message_);
    v->addWidget(status_);
    box->setFixedWidth(330);
    return box;
}

void InferPane::setSessionDb(const QString& path) {
    db_ = path;
    sweep_->setSessionDb(path);
}

void InferPane::setDefaultCheckpoint(const QString& path) {
    if (checkpoint_->text().isEmpty()) checkpoint_->setText(path);
}

infer::InferConfig InferPane::config() const {
    infer::InferConfig c;
    c.checkpoint = checkpoint_->text().trimmed().toStdString();
    c.mode = static_cast<LoadMode>(mode_->currentData().toInt());
    c.rate = rate_->value();
    c.concurrency = concurrency_->value();
    c.max_batch = max_batch_->value();
    c.queue_delay_us = delay_->value();
    c.requests = requests_->value();
    if (c.mode == LoadMode::Offline && c.requests == 0) c.requests = 10000;
    c.backend = backend_->currentData().toString().toStdString();
    return c;
}

void InferPane::setGpuAvailability(bool usable, const QString& why) { set_gpu_availability(backend_, usable, why); }

void InferPane::setConfig(const infer::InferConfig& c) {
    const QSignalBlocker b1(mode_), b2(rate_), b3(concurrency_), b4(max_batch_), b5(delay_), b6(requests_);
    mode_->setCurrentIndex(mode_->findData(static_cast<int>(c.mode)));
    rate_->setValue(c.rate);
    concurrency_->setValue(c.concurrency);
    max_batch_->setValue(c.max_batch);
    delay_->setValue(static_cast<int>(c.queue_delay_us));
    requests_->setValue(static_cast<int>(std::min<int64_t>(c.requests, requests_->maximum())));
    if (const int i = backend_->findData(QString::fromStdString(c.backend)); i >= 0) backend_->setCurrentIndex(i);
    updateEnabled();
}

void InferPane::restartRun() {
    owner_.retire();
    startRun();
}

void InferPane::showMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? QStringLiteral("color: #B00020;") : QString());
    message_->setVisible(!text.isEmpty());
}

void InferPane::startRun() {
    if (owner_.preparing() || (owner_.run() && active(owner_.run()->snapshot()->state))) return;
    if (sweep_->running()) {
        showMessage(tr("A sweep is running: cancel it first, a stream and a sweep would share the cores"), true);
        return;
    }
    const infer::InferConfig c = config();
    if (const QString problem = checkpointProblem(c); !problem.isEmpty()) {
        showMessage(problem, true);
        return;
    }
    if (const std::string why = infer::validate(c); !why.empty()) {
        showMessage(QString::fromStdString(why), true);
        return;
    }
    showMessage(tr("Loading the model and the test images\u2026"), false);
    shown_.reset();
    drawn_.reset();
    marker_t_.clear();
    percentiles_->clear();
    latency_hist_->clear();
    batch_hist_->clear();
    owner_.start(c, db_.toStdString());
    updateEnabled();
}

QString InferPane::checkpointProblem(const infer::InferConfig& c) const {
    if (c.checkpoint.empty())
        return tr("Pick a checkpoint to serve (Browse\u2026), or train a model first: each training run saves its "
                  "model when it ends");
    if (!QFileInfo(QString::fromStdString(c.checkpoint)).isFile())
        return tr("%1 does not exist: train a model first, or pick a checkpoint (Browse\u2026)")
            .arg(QString::fromStdString(c.checkpoint));
    return {};
}

void InferPane::startSweep() {
    const infer::InferConfig c = config();
    if (const QString problem = checkpointProblem(c); !problem.isEmpty()) {
        showMessage(problem, true);
        return;
    }
    showMessage({}, false);
    if (sweep_->startSweep(c)) view_tabs_->setCurrentWidget(sweep_->chart());
}

void InferPane::stopRun() {
    if (owner_.run()) owner_.run()->stop();
}

void InferPane::sendKnob(knobs::Knob knob, double value) {
    infer::InferenceRun* r = owner_.run();
    if (!r || !active(r->snapshot()->state)) return;  // used when the next run starts
    const std::string error = r->set_knob(knob, value);
    showMessage(error.empty() ? QString() : tr("Not applied: %1").arg(QString::fromStdString(error)), !error.empty());
}

void InferPane::updateEnabled() {
    const auto m = static_cast<LoadMode>(mode_->currentData().toInt());
    const bool running = owner_.preparing() || (owner_.run() && active(owner_.run()->snapshot()->state));
    rate_->setEnabled(infer::is_open_loop(m));
    concurrency_->setEnabled(m == LoadMode::Closed);
    const bool sweeping = sweep_->running();
    mode_->setEnabled(!running);
    requests_->setEnabled(!running);
    backend_->setEnabled(!running && !sweeping);
    checkpoint_->setEnabled(!running && !sweeping);
    start_->setEnabled(!running && !sweeping);
    stop_->setEnabled(running && owner_.run());
    sweep_->setServing(running);
}

void InferPane::refresh() {
    if (std::optional<std::string> error = owner_.poll()) {
        showMessage(tr("Cannot serve: %1").arg(QString::fromStdString(*error)), true);
        updateEnabled();
        return;
    }
    infer::InferenceRun* r = owner_.run();
    if (!r) return;
    std::shared_ptr<const infer::InferSnapshot> snap = r->snapshot();
    if (snap && snap != shown_) {
        const bool first = !shown_;
        shown_ = std::move(snap);
        if (first) {
            const QString saved = owner_.sessionId() ? tr("Saved as session %1.").arg(owner_.sessionId())
                                  : owner_.sessionError().empty()
                                      ? QString()
                                      : tr("Not saved: %1").arg(QString::fromStdString(owner_.sessionError()));
            showMessage(saved, !owner_.sessionError().empty());
        }
        if (shown_->state == engine::RunState::Failed)
            showMessage(tr("Failed: %1").arg(QString::fromStdString(shown_->message)), true);
        if (first) verdict_->clear();
        // When each knob change was first seen: kept while hidden, so markers stay in place.
        while (marker_t_.size() < shown_->knob_changes.size()) marker_t_.push_back(shown_->elapsed_s);
        updateEnabled();
    }
    if (shown_ && isVisible() && active(shown_->state)) verdict_->update(*shown_, owner_.window(), owner_.serviceProfile());
    // Drawing costs the GUI thread most: only while the tab shows it, and once per snapshot.
    if (!shown_ || shown_ == drawn_ || !isVisible()) return;
    drawn_ = shown_;
    const infer::InferSnapshot& s = *shown_;
    QList<QPointF> p50, p90, p99;
    for (const auto& p : s.series) {
        if (p.count == 0) continue;
        p50.append({p.t_s, p.p50_us});
        p90.append({p.t_s, p.p90_us});
        p99.append({p.t_s, p.p99_us});
    }
    percentiles_->setPoints(p50_, p50);
    percentiles_->setPoints(p90_, p90);
    percentiles_->setPoints(p99_, p99);
    QList<ChartMarker> markers;
    for (size_t i = 0; i < s.knob_changes.size(); ++i)
        markers.append({marker_t_[i], infer_knob_label(s.knob_changes[i]),
                        tr("%1 (from request %2)").arg(infer_knob_label(s.knob_changes[i])).arg(s.knob_changes[i].iteration)});
    percentiles_->setMarkers(markers);
    const Bars lat = latency_bars(s.latency_histogram);
    latency_hist_->setBins(qlabels(lat.labels), lat.counts);
    const Bars bat = batch_bars(s.totals.batch_sizes);
    batch_hist_->setBins(qlabels(bat.labels), bat.counts);

    const infer::InferResult& t = s.totals;
    gpu_view_->showResult(t);
    const QString pct = QStringLiteral("p50 %1 µs · p99 %2 µs%3")
                            .arg(static_cast<double>(t.latency.value_ns(50)) / 1e3, 0, 'f', 1)
                            .arg(static_cast<double>(t.latency.value_ns(99)) / 1e3, 0, 'f', 1)
                            .arg(t.latency.exact ? QString() : tr(" (live: within 0.8%)"));
    status_->setText(tr("<b>%1</b><br>%2 issued · %3 answered · %4 dropped<br>%5 req/s · mean batch %6<br>%7<br>"
                        "queue now %8 · served accuracy %9<br>generator late p99 %10 µs<br>%11")
                         .arg(QString::fromLatin1(engine::to_string(s.state)))
                         .arg(t.issued).arg(t.completed).arg(t.dropped)
                         .arg(QString::fromStdString(group_thousands(t.throughput_rps)))
                         .arg(t.mean_batch, 0, 'f', 2)
                         .arg(pct)
                         .arg(s.queue_depth)
                         .arg(t.accuracy >= 0 ? QStringLiteral("%1%").arg(t.accuracy * 100, 0, 'f', 1) : tr("n/a"))
                         .arg(static_cast<double>(t.lateness.value_ns(99)) / 1e3, 0, 'f', 1)
                         .arg(QString::fromStdString(s.model + " · " +
                                                     // a GPU service's full string names its path
                                                     (s.backend.rfind("CUDA, ", 0) == 0 ? s.backend
                                                                                        : backend_display_name(s.backend)))
                                  .toHtmlEscaped()));
}

void InferPane::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();  // what arrived while the tab was hidden
}

}  // namespace batchscope::ui
