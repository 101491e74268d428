#include "verdict_panel.h"

#include <QEvent>
#include <QLabel>
#include <QPushButton>
#include <QHBoxLayout>
#include <QVBoxLayout>

#include "batchscope/profiler/iteration_sample.h"
#include "verdict_logic.h"

namespace batchscope::ui {

namespace {

QString colour_of(profiler::Bottleneck b) {
    switch (b) {
        case profiler::Bottleneck::InputBound: return QStringLiteral("#D55E00");
        case profiler::Bottleneck::PartlyInputBound: return QStringLiteral("#E69F00");
        case profiler::Bottleneck::CopyBound: return QStringLiteral("#CC79A7");
        case profiler::Bottleneck::ComputeBound: return QStringLiteral("#009E73");
        case profiler::Bottleneck::HostBound: return QStringLiteral("#0072B2");
        default: return QStringLiteral("#555555");
    }
}

bool is_live(engine::RunState s) {
    return s == engine::RunState::Running || s == engine::RunState::Paused || s == engine::RunState::Loading;
}

QString apply_tip() {
    return QObject::tr("Sends the advised knob value to the running job; it takes effect at the "
                       "next iteration and is marked on the charts (Ctrl+Shift+A).");
}

QLabel* wrapped() {
    auto* l = new QLabel;
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

}  // namespace

VerdictPanel::VerdictPanel(QWidget* parent)
    : QWidget(parent), headline_(wrapped()), window_(new QLabel), advice_(wrapped()),
      apply_(new QPushButton(tr("Apply advice"))), effect_(wrapped()) {
    QPalette grey = window_->palette();
    grey.setColor(QPalette::WindowText, QColor(0x66, 0x66, 0x66));
    window_->setPalette(grey);
    apply_->setToolTip(apply_tip());
    headline_->setToolTip(tr("What limits the recent iterations: input-bound (waiting for data), copy-, "
                             "compute- or host-bound, from each part's share of the step time."));
    // A strip above the live charts: what limits the run and the advice on the left, the
    // button and what the applied change did on the right.
    auto* left = new QVBoxLayout;
    left->addWidget(headline_);
    left->addWidget(window_);
    left->addWidget(advice_);
    left->addStretch(1);
    auto* right = new QVBoxLayout;
    right->addWidget(apply_);
    right->addWidget(effect_);
    right->addStretch(1);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(left, 3);
    layout->addLayout(right, 2);
    connect(apply_, &QPushButton::clicked, this, [this] {
        if (!advised_knob_.isEmpty()) emit applyRequested(advised_knob_, advised_value_);
    });
    fixHeight();
    clear();
}

// A fixed height: new verdict text never changes the strip's size, so the charts below are not
// laid out (and redrawn) again when it changes.
void VerdictPanel::fixHeight() { setFixedHeight(fontMetrics().lineSpacing() * 6 + 6); }

void VerdictPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::FontChange) fixHeight();
    QWidget::changeEvent(event);
}

void VerdictPanel::clear() {
    headline_->setText(tr("No verdict yet: it needs %1 iterations").arg(kVerdictMinWindow));
    headline_->setPalette(QPalette());
    headline_->setFont(QFont());
    window_->clear();
    advice_->clear();
    apply_->setEnabled(false);
    effect_->hide();
    advised_knob_.clear();
    pending_.reset();
}

void VerdictPanel::noteApplied(const QString& knob, int from, int to) {
    pending_ = Pending{knob, from, to, {}};
    if (knob == advised_knob_ && to == advised_value_) pending_->expected = advised_expected_;
    effect_->setText(tr("%1: applied, measuring\u2026")
                         .arg(QString::fromStdString(profiler::describe({0, 0, knob.toStdString(), from, to}))));
    effect_->show();
}

void VerdictPanel::showSnapshot(const engine::RunSnapshot& s) {
    const std::optional<CurrentVerdict> v = current_verdict(s);
    if (!v) {
        headline_->setText(tr("No verdict yet: it needs %1 iterations").arg(kVerdictMinWindow));
        headline_->setPalette(QPalette());
        headline_->setFont(QFont());
        window_->clear();
        advice_->clear();
        apply_->setEnabled(false);
        advised_knob_.clear();
    } else {
        headline_->setText(QString::fromStdString(v->verdict.headline));
        // Palette and weight only (no style sheet), so the label follows presenter mode's font.
        QPalette pal = headline_->palette();
        pal.setColor(QPalette::WindowText, QColor(colour_of(v->verdict.bottleneck)));
        headline_->setPalette(pal);
        QFont bold;
        bold.setBold(true);
        headline_->setFont(bold);
        window_->setText(tr("iterations %1\u2013%2").arg(v->first_iteration).arg(v->last_iteration));
        QStringList lines;
        if (!v->verdict.diagnosis.empty()) lines << QString::fromStdString(v->verdict.diagnosis);
        for (const profiler::Advice& a : v->verdict.advice) {
            lines << QStringLiteral("\u2022 ") + QString::fromStdString(a.text);
            if (a.expected.valid())
                lines << tr("   expected: %1 (%2)").arg(QString::fromStdString(profiler::describe(a.expected)),
                                                      QString::fromStdString(a.expected.reason));
        }
        if (v->verdict.advice.empty())
            lines << (v->verdict.note.empty() ? tr("No advice: no knob is likely to help.")
                                              : tr("No knob helps: %1").arg(QString::fromStdString(v->verdict.note)));
        // GPU work no iteration id attributes is in no part: the verdict cannot see it.
        if (const std::string note = engine::unattributed_note(s.device); !note.empty())
            lines.prepend(tr("Note: %1").arg(QString::fromStdString(note)));
        advice_->setText(lines.join(QLatin1Char('\n')));
        const profiler::Advice* first = v->verdict.advice.empty() ? nullptr : &v->verdict.advice.front();
        const bool can = first && live_knob(first->knob) && is_live(s.state);
        advised_knob_ = can ? QString::fromStdString(first->knob_name()) : QString();
        advised_value_ = can ? static_cast<int>(first->to) : 0;
        advised_expected_ = can ? first->expected : profiler::Prediction{};
        apply_->setEnabled(can);
        apply_->setText(first ? tr("Apply: %1").arg(QString::fromStdString(profiler::describe(first->marker())))
                              : tr("Apply advice"));
        apply_->setToolTip(first && !live_knob(first->knob)
                               ? tr("%1 is not a knob the dashboard can change on a live run.")
                                     .arg(QString::fromStdString(std::string(knobs::info(first->knob).label)))
                               : apply_tip());
    }
    if (!pending_) return;
    const AppliedEffect e = applied_effect(s, pending_->knob.toStdString(), pending_->to);
    const QString what = QString::fromStdString(profiler::describe({0, 0, pending_->knob.toStdString(), pending_->from, pending_->to}));
    if (!e.applied)
        effect_->setText(tr("%1: waiting for the next iteration\u2026").arg(what));
    else if (!e.effect)
        effect_->setText(tr("%1: measuring (%2 of %3 iterations after the change)")
                             .arg(what).arg(e.iterations_after).arg(kEffectMinAfter + kEffectSettle));
    else if (!e.effect->measured)
        effect_->setText(tr("%1: not enough iterations on both sides to compare").arg(what));
    else
        effect_->setText(tr("What changed: %1").arg(QString::fromStdString(e.effect->text)) +
                         (pending_->expected.valid()
                              ? QStringLiteral("\n") + tr("Advice: %1").arg(QString::fromStdString(
                                                           profiler::check_prediction(pending_->expected, e.effect->after).text))
                              : QString()));
}

}  // namespace batchscope::ui
