#include "control_panel.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

namespace batchscope::ui {

using engine::KnobLimits;
using engine::RunState;

ControlPanel::ControlPanel(const engine::TrainConfig& initial, QWidget* parent) : QWidget(parent) {
    batch_ = makeSpin(KnobLimits::kMinBatch, KnobLimits::kMaxBatch, initial.batch_size,
                      QStringLiteral("batch_size"),
                      tr("Samples per training iteration. Applied live at the next iteration."));
    prefetch_ = makeSpin(KnobLimits::kMinPrefetch, KnobLimits::kMaxPrefetch, initial.prefetch_depth,
                         QStringLiteral("prefetch_depth"),
                         tr("Batches the loader may hold ready ahead of the training loop.\n"
                            "0 = no prefetching. Applied live."));
    workers_ = makeSpin(KnobLimits::kMinWorkers, KnobLimits::kMaxWorkers, initial.workers,
                        QStringLiteral("workers"),
                        tr("Loader threads building batches in the background.\n"
                           "0 = load in the training thread. Applied live."));
    epochs_ = makeSpin(KnobLimits::kMinEpochs, KnobLimits::kMaxEpochs, initial.epochs, {},
                       tr("Passes over the training set. Used when the next run starts."));

    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Batch size"), batch_);
    form->addRow(tr("&Prefetch depth"), prefetch_);
    form->addRow(tr("Loader &workers"), workers_);
    form->addRow(tr("&Epochs"), epochs_);

    start_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"));
    start_->setToolTip(tr("Start a new training run (Ctrl+R)"));
    pause_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause"));
    pause_->setToolTip(tr("Pause or resume the run (Space)"));
    stop_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
    stop_->setToolTip(tr("Stop after the current iteration (Ctrl+.)"));
    for (auto* b : {start_, pause_, stop_}) b->setAutoDefault(false);
    connect(start_, &QPushButton::clicked, this, &ControlPanel::startClicked);
    connect(pause_, &QPushButton::clicked, this, &ControlPanel::pauseClicked);
    connect(stop_, &QPushButton::clicked, this, &ControlPanel::stopClicked);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(pause_);
    buttons->addWidget(stop_);

    refusal_ = new QLabel;
    refusal_->setWordWrap(true);
    refusal_->setStyleSheet(QStringLiteral("color: #B00020;"));
    refusal_->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(refusal_);
    setRunState(std::nullopt);
}

QSpinBox* ControlPanel::makeSpin(int min, int max, int value, const QString& knob, const QString& tip) {
    auto* spin = new QSpinBox;
    spin->setRange(min, max);
    spin->setValue(value);
    spin->setKeyboardTracking(false);  // report 256 once, not 2, 25, 256
    spin->setAccelerated(true);
    spin->setToolTip(tip);
    spin->setAlignment(Qt::AlignRight);
    if (!knob.isEmpty()) {
        connect(spin, &QSpinBox::valueChanged, this, [this, knob](int v) { emit knobEdited(knob, v); });
        // A user who retypes the value or tabs away: the owner ignores values it already sent.
        connect(spin, &QSpinBox::editingFinished, this,
                [this, knob, spin] { emit knobEdited(knob, spin->value()); });
    }
    return spin;
}

engine::TrainConfig ControlPanel::config(engine::TrainConfig base) const {
    base.batch_size = batch_->value();
    base.prefetch_depth = prefetch_->value();
    base.workers = workers_->value();
    base.epochs = epochs_->value();
    return base;
}

void ControlPanel::setConfig(const engine::TrainConfig& c) {
    for (auto [spin, v] : {std::pair{batch_, c.batch_size}, {prefetch_, c.prefetch_depth}, {workers_, c.workers},
                           {epochs_, c.epochs}}) {
        const QSignalBlocker block(spin);
        spin->setValue(v);
    }
}

void ControlPanel::showKnob(const QString& knob, int value) {
    QSpinBox* spin = knob == QLatin1String("batch_size")       ? batch_
                     : knob == QLatin1String("prefetch_depth") ? prefetch_
                     : knob == QLatin1String("workers")        ? workers_
                                                               : nullptr;
    if (!spin || spin->value() == value) return;
    const QSignalBlocker block(spin);
    spin->setValue(value);
}

void ControlPanel::setRunState(std::optional<RunState> state) {
    // Called every frame: a new icon and text would relayout the side panel each time.
    if (shown_state_ && *shown_state_ == state) return;
    shown_state_ = state;
    const bool active = state && (*state == RunState::Idle || *state == RunState::Loading ||
                                  *state == RunState::Running || *state == RunState::Paused);
    const bool paused = state && *state == RunState::Paused;
    start_->setEnabled(!active);
    pause_->setEnabled(active && state != RunState::Idle);
    stop_->setEnabled(active);
    epochs_->setEnabled(!active);
    pause_->setText(paused ? tr("Resume") : tr("Pause"));
    pause_->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
}

void ControlPanel::showRefusal(const QString& message) {
    refusal_->setText(message);
    refusal_->setVisible(!message.isEmpty());
}

}  // namespace batchscope::ui
