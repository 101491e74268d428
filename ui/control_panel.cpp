#include "control_panel.h"

#include "backend_combo.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStyle>
#include <QValidator>
#include <QVBoxLayout>
#include <stdexcept>

#include "batchscope/engine/model/model_spec.h"

namespace batchscope::ui {

using engine::KnobLimits;
using engine::RunState;

namespace {

// The model specs offered in the list (any other valid spec can be typed).
constexpr const char* kModels[] = {"logreg", "svm", "mlp:256,128", "mlp:512,256:gelu:dropout=0.2", "cnn:32,64:fc=128"};

// Why `spec` is not a model the engine can build; empty when it is.
QString model_problem(const QString& spec) {
    try {
        engine::model::parse_model_spec(spec.trimmed().toStdString());
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

// Text that is not (yet) a valid model spec stays "intermediate": it can be typed, but it is
// never committed as the model, so an invalid model cannot be entered.
class ModelSpecValidator : public QValidator {
public:
    using QValidator::QValidator;
    State validate(QString& input, int&) const override {
        return model_problem(input).isEmpty() ? Acceptable : Intermediate;
    }
};

}  // namespace

ControlPanel::ControlPanel(const engine::TrainConfig& initial, QWidget* parent) : QWidget(parent) {
    batch_ = makeKnobSpin(knobs::Knob::BatchSize, initial.batch_size);
    prefetch_ = makeKnobSpin(knobs::Knob::PrefetchDepth, initial.prefetch_depth);
    workers_ = makeKnobSpin(knobs::Knob::Workers, initial.workers);
    epochs_ = makeSpin(KnobLimits::kMinEpochs, KnobLimits::kMaxEpochs, initial.epochs,
                       tr("Passes over the training set. Used when the next run starts."));

    model_ = new QComboBox;
    model_->setEditable(true);
    for (const char* m : kModels) model_->addItem(QString::fromLatin1(m));
    model_->setValidator(new ModelSpecValidator(model_));
    model_->setInsertPolicy(QComboBox::NoInsert);
    model_->setToolTip(tr("The model of the next run: logreg, svm, mlp:W1,W2[:relu|gelu][:dropout=P],\n"
                          "cnn:C1,C2[:fc=F] (the same syntax as batchscope-cli train --model).\n"
                          "Pick one or type a spec; an invalid spec cannot be used."));
    optimizer_ = new QComboBox;
    optimizer_->addItem(tr("SGD with momentum"), QStringLiteral("sgd"));
    optimizer_->addItem(tr("Adam"), QStringLiteral("adam"));
    optimizer_->setToolTip(tr("The optimizer of the next run."));
    lr_ = new QDoubleSpinBox;
    lr_->setDecimals(5);
    lr_->setRange(0.00001, 10.0);
    lr_->setSingleStep(0.001);
    lr_->setKeyboardTracking(false);
    lr_->setAlignment(Qt::AlignRight);
    lr_->setToolTip(tr("Learning rate of the next run (for SGD about 0.01-0.1, for Adam about 0.001)."));
    backend_ = make_backend_combo(tr("The next training run"));
    setConfig(initial);

    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Batch size"), batch_);
    form->addRow(tr("&Prefetch depth"), prefetch_);
    form->addRow(tr("Loader &workers"), workers_);
    form->addRow(tr("&Epochs"), epochs_);
    form->addRow(tr("&Model"), model_);
    form->addRow(tr("&Optimizer"), optimizer_);
    form->addRow(tr("Learning &rate"), lr_);
    form->addRow(tr("Bac&kend"), backend_);

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

QSpinBox* ControlPanel::makeSpin(int min, int max, int value, const QString& tip) {
    auto* spin = new QSpinBox;
    spin->setRange(min, max);
    spin->setValue(value);
    spin->setKeyboardTracking(false);  // report 256 once, not 2, 25, 256
    spin->setAccelerated(true);
    spin->setToolTip(tip);
    spin->setAlignment(Qt::AlignRight);
    return spin;
}

QSpinBox* ControlPanel::makeKnobSpin(knobs::Knob knob, int value) {
    const knobs::KnobInfo& k = knobs::info(knob);
    QString tip = QString::fromUtf8(k.help.data(), static_cast<qsizetype>(k.help.size())) + QLatin1Char('.');
    if (k.live) tip += tr("\nApplied live at the next iteration.");
    QSpinBox* spin = makeSpin(knobs::min_int(knob), knobs::max_int(knob), value, tip);
    connect(spin, &QSpinBox::valueChanged, this, [this, knob](int v) { emit knobEdited(knob, v); });
    // A user who retypes the value or tabs away: the owner ignores values it already sent.
    connect(spin, &QSpinBox::editingFinished, this, [this, knob, spin] { emit knobEdited(knob, spin->value()); });
    return spin;
}

engine::TrainConfig ControlPanel::config(engine::TrainConfig base) const {
    base.batch_size = batch_->value();
    base.prefetch_depth = prefetch_->value();
    base.workers = workers_->value();
    base.epochs = epochs_->value();
    base.model = model_->currentText().trimmed().toStdString();
    base.optimizer = optimizer_->currentData().toString().toStdString();
    base.learning_rate = static_cast<float>(lr_->value());
    base.backend = backend_->currentData().toString().toStdString();
    return base;
}

QString ControlPanel::problem() const {
    const QString why = model_problem(model_->currentText());
    return why.isEmpty() ? QString() : tr("The model cannot be built: %1").arg(why);
}

void ControlPanel::setGpuAvailability(bool usable, const QString& why) { set_gpu_availability(backend_, usable, why); }

void ControlPanel::setConfig(const engine::TrainConfig& c) {
    for (auto [spin, v] : {std::pair{batch_, c.batch_size}, {prefetch_, c.prefetch_depth}, {workers_, c.workers},
                           {epochs_, c.epochs}}) {
        const QSignalBlocker block(spin);
        spin->setValue(v);
    }
    const QString model = QString::fromStdString(c.model);
    if (const int i = model_->findText(model); i >= 0) model_->setCurrentIndex(i);
    else model_->setEditText(model);
    if (const int i = optimizer_->findData(QString::fromStdString(c.optimizer)); i >= 0) optimizer_->setCurrentIndex(i);
    lr_->setValue(c.learning_rate);
    if (const int i = backend_->findData(QString::fromStdString(c.backend)); i >= 0) backend_->setCurrentIndex(i);
}

void ControlPanel::showKnob(knobs::Knob knob, int value) {
    QSpinBox* spin = knob == knobs::Knob::BatchSize       ? batch_
                     : knob == knobs::Knob::PrefetchDepth ? prefetch_
                     : knob == knobs::Knob::Workers       ? workers_
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
    for (QWidget* w : std::initializer_list<QWidget*>{epochs_, model_, optimizer_, lr_, backend_}) w->setEnabled(!active);
    pause_->setText(paused ? tr("Resume") : tr("Pause"));
    pause_->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
}

void ControlPanel::showRefusal(const QString& message) {
    refusal_->setText(message);
    refusal_->setVisible(!message.isEmpty());
}

}  // namespace batchscope::ui
