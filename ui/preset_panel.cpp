#include "preset_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace batchscope::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

PresetPanel::PresetPanel(QWidget* parent)
    : QWidget(parent), combo_(new QComboBox), explanation_(new QLabel), steps_(new QListWidget),
      load_(new QPushButton(tr("Load lesson"))), next_button_(new QPushButton(tr("Next step"))) {
    for (const engine::Preset& p : engine::builtin_presets())
        combo_->addItem(tr("Lesson %1: %2").arg(p.lesson).arg(q(p.title)), q(p.id));
    combo_->setToolTip(tr("The workshop lessons built into Batchscope (resources/presets)"));
    explanation_->setWordWrap(true);
    explanation_->setTextFormat(Qt::RichText);
    explanation_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    steps_->setSelectionMode(QAbstractItemView::NoSelection);
    steps_->setFocusPolicy(Qt::NoFocus);
    steps_->setWordWrap(true);
    load_->setToolTip(tr("Restart the run with the lesson's settings (Ctrl+L)"));
    next_button_->setToolTip(tr("Make the lesson's next change on the running job (Ctrl+N)"));
    for (auto* b : {load_, next_button_}) b->setAutoDefault(false);
    connect(combo_, &QComboBox::currentIndexChanged, this, &PresetPanel::showSelected);
    connect(load_, &QPushButton::clicked, this, [this] {
        if (const engine::Preset* p = selected()) emit loadRequested(p);
    });
    connect(next_button_, &QPushButton::clicked, this, &PresetPanel::nextRequested);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(load_);
    buttons->addWidget(next_button_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(combo_);
    layout->addWidget(explanation_, 3);
    layout->addWidget(new QLabel(tr("Steps:")));
    layout->addWidget(steps_, 2);
    layout->addLayout(buttons);
    showSelected();
}

const engine::Preset* PresetPanel::selected() const {
    return combo_->currentIndex() < 0 ? nullptr : engine::find_preset(combo_->currentData().toString().toStdString());
}

void PresetPanel::showSelected() {
    const engine::Preset* p = selected();
    if (!p) {
        explanation_->setText(tr("No presets are built in."));
        load_->setEnabled(false);
        updateSteps();
        return;
    }
    QString text = QStringLiteral("<b>%1</b><br><i>%2</i><p>%3</p>")
                       .arg(q(p->title).toHtmlEscaped(), q(p->summary).toHtmlEscaped(), q(p->explanation).toHtmlEscaped());
    if (p->emulated)
        text += tr("<p style='color:#D55E00'>Uses an emulated storage profile: its device timing is modelled, "
                   "everything else is measured.</p>");
    if (p->mode == engine::PresetMode::Infer)
        text += tr("<p>Runs on the Inference tab, serving the last model trained in this window.</p>");
    explanation_->setText(text);
    load_->setEnabled(true);
    updateSteps();
}

void PresetPanel::markLoaded(const engine::Preset* p) {
    loaded_ = p;
    next_ = 0;
    progress_ = p ? engine::PresetProgress(*p) : engine::PresetProgress();
    if (p) combo_->setCurrentIndex(combo_->findData(QString::fromStdString(p->id)));  // shows it
    showSelected();
}

void PresetPanel::markStepDone(size_t changes_now) {
    ++next_;
    progress_.step_made(changes_now);
    updateSteps();
}

void PresetPanel::showMeasured(const engine::SegmentFigures& figures, size_t changes_now) {
    if (!loaded_) return;
    const int k = progress_.segment();
    const std::vector<engine::Outcome> before = progress_.outcomes(k);
    progress_.measured(figures, changes_now);
    const std::vector<engine::Outcome>& now = progress_.outcomes(k);
    bool same = before.size() == now.size();
    for (size_t i = 0; same && i < now.size(); ++i) same = before[i].held == now[i].held && before[i].text == now[i].text;
    if (!same) updateSteps();
}

namespace {

// "expected: data wait falls by at least 50%" and, once measured, whether it held.
QString outcome_lines(const engine::PresetProgress& g, int k, bool active) {
    QStringList lines;
    const auto& expect = g.expectations(k);
    const auto& outs = g.outcomes(k);
    if (active && g.measured_segment(k) && !outs.empty()) {
        for (const engine::Outcome& o : outs)
            lines << QStringLiteral("   %1 %2").arg(o.held ? QStringLiteral("\u2714 held:") : QStringLiteral("\u2716 did not hold:"),
                                                     QString::fromStdString(o.text));
    } else {
        for (const engine::Expectation& e : expect)
            lines << QStringLiteral("   ") + QObject::tr("expected: %1").arg(QString::fromStdString(e.describe()));
    }
    return lines.join(QLatin1Char('\n'));
}

}  // namespace

void PresetPanel::updateSteps() {
    steps_->clear();
    const engine::Preset* p = selected();
    const bool active = p && p == loaded_;
    if (p) {
        if (!p->start_expect.empty()) {
            auto* item = new QListWidgetItem(tr("Start") + QLatin1Char('\n') + outcome_lines(progress_, 0, active));
            if (active && next_ > 0) item->setForeground(QColor(0x66, 0x66, 0x66));
            steps_->addItem(item);
        }
        for (size_t i = 0; i < p->steps.size(); ++i) {
            const engine::PresetStep& s = p->steps[i];
            const bool done = active && static_cast<int>(i) < next_;
            const bool next = active && static_cast<int>(i) == next_;
            QString text = QStringLiteral("%1 %2").arg(done ? QStringLiteral("\u2713") : next ? QStringLiteral("\u25B6") : QStringLiteral("\u2022"), q(s.title));
            const QString outcome = outcome_lines(progress_, static_cast<int>(i) + 1, active && done);
            if (!outcome.isEmpty()) text += QLatin1Char('\n') + outcome;
            auto* item = new QListWidgetItem(text);
            item->setToolTip(q(s.explanation));
            if (next) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            if (done) item->setForeground(QColor(0x66, 0x66, 0x66));
            steps_->addItem(item);
        }
    }
    const bool more = active && next_ < static_cast<int>(p->steps.size());
    next_button_->setEnabled(more);
    next_button_->setText(more ? tr("Next step: %1").arg(q(p->steps[static_cast<size_t>(next_)].title)) : tr("Next step"));
    if (active && next_ > 0 && next_ <= static_cast<int>(p->steps.size()))
        steps_->setToolTip(q(p->steps[static_cast<size_t>(next_ - 1)].explanation));
}

}  // namespace batchscope::ui
