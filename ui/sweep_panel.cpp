#include "sweep_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <filesystem>

#include "charts/sweep_chart.h"
#include "run_text.h"
#include "sweep_job.h"

namespace batchscope::ui {

namespace {

constexpr int kPollMs = 100;

// What a worker brings back from the session file.
struct SavedResult {
    std::vector<SavedSweep> sweeps;  // listing
    LoadedSweep loaded;              // loading
    std::string tag;
    std::string error;
};

template <class Fn>
SavedResult with_store(const std::string& path, Fn fn) {
    SavedResult r;
    try {
        if (!std::filesystem::exists(path)) {
            r.error = "no sessions saved yet: " + path + " does not exist";
            return r;
        }
        store::SessionStore st(path, true);
        fn(st, r);
    } catch (const std::exception& e) {
        r.error = e.what();
    }
    return r;
}

}  // namespace

SweepPanel::SweepPanel(QWidget* parent)
    : QGroupBox(tr("Sweep: latency versus throughput"), parent),
      rates_(new QLineEdit(QStringLiteral("500,1000,2000,4000,8000"))),
      batches_(new QLineEdit(QStringLiteral("1,4,16"))),
      requests_(new QSpinBox),
      run_(new QPushButton(tr("Run sweep"))),
      cancel_(new QPushButton(tr("Cancel"))),
      progress_(new QProgressBar),
      message_(new QLabel),
      saved_(new QComboBox),
      load_(new QPushButton(tr("Load"))),
      chart_(new SweepChart) {
    rates_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9., ]*")), rates_));
    batches_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9, ]*")), batches_));
    rates_->setToolTip(tr("Offered Poisson rates, requests/s, separated by commas (at most %1).").arg(kMaxSweepRates));
    batches_->setToolTip(tr("Maximum batch sizes of the dynamic batcher (1-%1), separated by commas (at most %2); "
                            "one curve each.")
                             .arg(engine::infer::InferLimits::kMaxMaxBatch)
                             .arg(kMaxSweepBatches));
    requests_->setRange(100, 1'000'000);
    requests_->setValue(2000);
    requests_->setSingleStep(500);
    requests_->setAlignment(Qt::AlignRight);
    requests_->setToolTip(tr("Requests per point. p99 needs 1,000 to be trusted."));
    run_->setToolTip(tr("Serve one Poisson stream per max batch and rate, with the model, queue delay and threads "
                        "of the serving controls above; each point is saved as a session tagged sweep-\u2026"));
    cancel_->setToolTip(tr("Stop the sweep: the point being served is dropped, finished points stay"));
    for (auto* b : {run_, cancel_, load_}) b->setAutoDefault(false);
    progress_->setTextVisible(true);
    progress_->setFormat(QStringLiteral("%p%"));
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->hide();
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_->hide();
    saved_->setToolTip(tr("Sweeps saved in the session file (by this tab or `batchscope-cli sweep`), newest first"));
    saved_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    saved_->setMinimumContentsLength(12);
    load_->setToolTip(tr("Draw the chosen saved sweep"));

    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->addRow(tr("Ra&tes /s"), rates_);
    form->addRow(tr("Max &batches"), batches_);
    form->addRow(tr("Requests/point"), requests_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_);
    buttons->addWidget(cancel_);
    auto* saved = new QHBoxLayout;
    saved->addWidget(saved_, 1);
    saved->addWidget(load_);
    auto* v = new QVBoxLayout(this);
    v->addLayout(form);
    v->addLayout(buttons);
    v->addWidget(progress_);
    v->addWidget(message_);
    v->addWidget(new QLabel(tr("Saved sweeps")));
    v->addLayout(saved);

    connect(rates_, &QLineEdit::textChanged, this, &SweepPanel::validate);
    connect(batches_, &QLineEdit::textChanged, this, &SweepPanel::validate);
    connect(run_, &QPushButton::clicked, this, &SweepPanel::runRequested);
    connect(cancel_, &QPushButton::clicked, this, &SweepPanel::cancelSweep);
    connect(load_, &QPushButton::clicked, this, &SweepPanel::loadSelected);
    timer_.setInterval(kPollMs);
    connect(&timer_, &QTimer::timeout, this, &SweepPanel::poll);
    validate();
}

SweepPanel::~SweepPanel() {
    timer_.stop();
    if (chart_ && !chart_->parent()) delete chart_.data();
}

void SweepPanel::showMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? QStringLiteral("color: #B00020;") : QString());
    message_->setVisible(!text.isEmpty());
}

void SweepPanel::validate() {
    plan_ = parse_sweep_plan(rates_->text().toStdString(), batches_->text().toStdString());
    if (!running()) {
        showMessage(plan_.error.empty() ? QString() : QString::fromStdString(plan_.error), true);
    }
    updateEnabled();
}

void SweepPanel::updateEnabled() {
    const bool busy = running();
    run_->setEnabled(!busy && !serving_ && plan_.error.empty());
    cancel_->setEnabled(busy);
    for (QWidget* w : std::initializer_list<QWidget*>{rates_, batches_, requests_}) w->setEnabled(!busy);
    load_->setEnabled(!busy && saved_->count() > 0 && !db_.isEmpty());
    saved_->setEnabled(!busy && saved_->count() > 0);
}

void SweepPanel::setServing(bool serving) {
    if (serving_ == serving) return;
    serving_ = serving;
    updateEnabled();
}

void SweepPanel::setSessionDb(const QString& path) {
    db_ = path;
    reloadSaved();
}

bool SweepPanel::startSweep(engine::infer::InferConfig base) {
    if (running()) return false;
    if (serving_) {
        showMessage(tr("Stop serving first: a sweep and a stream would share the cores"), true);
        return false;
    }
    plan_ = parse_sweep_plan(rates_->text().toStdString(), batches_->text().toStdString());
    if (!plan_.error.empty()) {
        showMessage(QString::fromStdString(plan_.error), true);
        return false;
    }
    base.requests = requests_->value();
    base.mode = engine::infer::LoadMode::Poisson;
    base.rate = plan_.rates.front();
    base.max_batch = plan_.max_batches.front();
    if (const std::string why = engine::infer::validate(base); !why.empty()) {
        showMessage(QString::fromStdString(why), true);
        return false;
    }
    chart_->clear();
    chart_->setPlaceholderText(tr("Loading the model and the test images\u2026"));
    showMessage(tr("Loading the model and the test images\u2026"), false);
    progress_->setValue(0);
    progress_->show();
    job_ = std::make_unique<SweepJob>(std::move(base), plan_, db_.toStdString());
    timer_.start();
    updateEnabled();
    emit runningChanged(true);
    return true;
}

void SweepPanel::cancelSweep() {
    if (job_) job_->cancel();
}

void SweepPanel::poll() {
    if (!job_) return;
    const SweepProgress p = job_->progress();
    chart_->setPoints(p.points);
    const double per_point = static_cast<double>(std::max<int64_t>(p.requests_per_point, 1));
    const double done = static_cast<double>(p.points.size()) +
                        (p.done ? 0.0 : std::min(1.0, static_cast<double>(p.current_answered) / per_point));
    progress_->setValue(p.points_total ? static_cast<int>(done / static_cast<double>(p.points_total) * 1000) : 0);
    const QString where = p.tag.empty() ? tr("not saved") : tr("saved, tagged %1").arg(QString::fromStdString(p.tag));
    if (!p.done) {
        if (!p.loading) {
            chart_->setPlaceholderText(tr("Serving the first point\u2026"));
            progress_->setFormat(tr("point %1/%2: max batch %3, %4 req/s")
                                     .arg(p.points.size() + 1)
                                     .arg(p.points_total)
                                     .arg(p.current_max_batch)
                                     .arg(QString::fromStdString(group_thousands(p.current_rate))));
            showMessage(p.save_error.empty()
                            ? tr("%1 \u00b7 %2").arg(QString::fromStdString(p.model), where)
                            : tr("Not saved: %1").arg(QString::fromStdString(p.save_error)),
                        !p.save_error.empty());
        }
        return;
    }
    timer_.stop();
    job_.reset();  // the thread has ended: joins at once
    progress_->setFormat(QStringLiteral("%p%"));
    if (!p.error.empty()) {
        chart_->setPlaceholderText(tr("The sweep failed"));
        showMessage(tr("Sweep failed: %1").arg(QString::fromStdString(p.error)), true);
    } else {
        QString text = p.cancelled ? tr("Cancelled after %1 of %2 points").arg(p.points.size()).arg(p.points_total)
                                   : tr("%1 points").arg(p.points.size());
        if (!p.save_error.empty())
            text += tr("; not saved: %1").arg(QString::fromStdString(p.save_error));
        else if (!p.tag.empty() && !p.points.empty())
            text += tr(", saved as sessions %1\u2013%2 tagged %3")
                        .arg(p.points.front().session)
                        .arg(p.points.back().session)
                        .arg(QString::fromStdString(p.tag));
        showMessage(text + QLatin1Char('.'), !p.save_error.empty());
        if (p.points.empty()) chart_->setPlaceholderText(tr("No point finished"));
    }
    progress_->hide();
    updateEnabled();
    emit runningChanged(false);
    reloadSaved();
}

void SweepPanel::reloadSaved() {
    if (db_.isEmpty()) {
        saved_->clear();
        updateEnabled();
        return;
    }
    const int id = ++list_job_;
    auto* watcher = new QFutureWatcher<SavedResult>(this);
    connect(watcher, &QFutureWatcher<SavedResult>::finished, this, [this, watcher, id] {
        watcher->deleteLater();
        if (id != list_job_) return;
        const SavedResult r = watcher->result();
        const QString current = saved_->currentData().toString();
        saved_->clear();
        for (const SavedSweep& s : r.sweeps)
            saved_->addItem(tr("%1 \u00b7 %2 points \u00b7 %3")
                                .arg(QString::fromStdString(s.created_at).left(16).replace(QLatin1Char('T'), QLatin1Char(' ')))
                                .arg(s.points)
                                .arg(QString::fromStdString(s.model)),
                            QString::fromStdString(s.tag));
        if (saved_->count() == 0) saved_->setPlaceholderText(tr("none saved yet"));
        const int keep = saved_->findData(current);
        if (keep >= 0) saved_->setCurrentIndex(keep);
        updateEnabled();
    });
    watcher->setFuture(QtConcurrent::run([path = db_.toStdString()] {
        return with_store(path, [](store::SessionStore& st, SavedResult& r) { r.sweeps = list_saved_sweeps(st); });
    }));
}

void SweepPanel::loadSelected() {
    if (running() || db_.isEmpty() || saved_->currentIndex() < 0) return;
    const std::string tag = saved_->currentData().toString().toStdString();
    const int id = ++load_job_;
    load_->setEnabled(false);
    showMessage(tr("Loading %1\u2026").arg(QString::fromStdString(tag)), false);
    auto* watcher = new QFutureWatcher<SavedResult>(this);
    connect(watcher, &QFutureWatcher<SavedResult>::finished, this, [this, watcher, id] {
        watcher->deleteLater();
        if (id != load_job_ || running()) return;
        const SavedResult r = watcher->result();
        updateEnabled();
        if (!r.error.empty()) {
            showMessage(tr("Cannot load the sweep: %1").arg(QString::fromStdString(r.error)), true);
            return;
        }
        chart_->setPoints(r.loaded.points);
        QString text = tr("%1: %2 points").arg(QString::fromStdString(r.tag)).arg(r.loaded.points.size());
        if (r.loaded.skipped > 0) text += tr(" (%1 unfinished left out)").arg(r.loaded.skipped);
        showMessage(text + QLatin1Char('.'), false);
    });
    watcher->setFuture(QtConcurrent::run([path = db_.toStdString(), tag] {
        return with_store(path, [&tag](store::SessionStore& st, SavedResult& r) {
            r.tag = tag;
            r.loaded = load_saved_sweep(st, tag);
        });
    }));
}

}  // namespace batchscope::ui
