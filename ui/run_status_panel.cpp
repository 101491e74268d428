#include "run_status_panel.h"

#include <QFormLayout>
#include <QFrame>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <cmath>
#include <initializer_list>

#include "breakdown_stats.h"
#include "run_text.h"
#include "share_bar.h"

namespace batchscope::ui {

using engine::RunState;

namespace {

QString state_colour(RunState s) {
    switch (s) {
        case RunState::Running: return QStringLiteral("#009E73");
        case RunState::Paused: return QStringLiteral("#E69F00");
        case RunState::Failed: return QStringLiteral("#B00020");
        case RunState::Loading: return QStringLiteral("#0072B2");
        default: return QStringLiteral("#555555");
    }
}

QString state_name(RunState s) {
    QString name = QString::fromLatin1(engine::to_string(s));
    if (!name.isEmpty()) name[0] = name[0].toUpper();
    return name;
}

QLabel* value_label() {
    auto* l = new QLabel;
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

QFrame* separator() {
    auto* line = new QFrame;
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Plain);
    line->setStyleSheet(QStringLiteral("color: #DDDDDD;"));
    return line;
}

}  // namespace

RunStatusPanel::RunStatusPanel(QWidget* parent)
    : QWidget(parent),
      state_(new QLabel),
      detail_(new QLabel),
      epoch_(new QLabel),
      epoch_bar_(new QProgressBar),
      iteration_(value_label()),
      throughput_(value_label()),
      elapsed_(value_label()),
      samples_(value_label()),
      shares_title_(new QLabel),
      share_bar_(new ShareBar),
      shares_(new QLabel),
      run_title_(new QLabel),
      run_bar_(new ShareBar),
      run_shares_(new QLabel),
      knobs_(value_label()),
      last_epoch_(value_label()),
      data_(new QLabel),
      error_(new QLabel) {
    QFont big = state_->font();
    big.setPointSizeF(big.pointSizeF() * 1.35);
    big.setBold(true);
    state_->setFont(big);
    detail_->setWordWrap(true);
    detail_->setStyleSheet(QStringLiteral("color: #666666;"));
    epoch_bar_->setRange(0, 1000);
    epoch_bar_->setTextVisible(false);
    epoch_bar_->setFixedHeight(8);
    shares_title_->setStyleSheet(QStringLiteral("color: #666666;"));
    shares_->setWordWrap(true);
    run_title_->setStyleSheet(QStringLiteral("color: #666666;"));
    run_shares_->setWordWrap(true);
    for (QWidget* w : std::initializer_list<QWidget*>{run_title_, run_bar_, run_shares_})
        w->setToolTip(tr("The whole run so far: every iteration's breakdown summed, against the recent "
                         "iterations above (a change of knob shows in the recent bar first)."));
    data_->setWordWrap(true);
    data_->setStyleSheet(QStringLiteral("color: #666666;"));
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(QStringLiteral(
        "QLabel { color: #8B0000; background: #FDECEA; border: 1px solid #E57373;"
        " border-radius: 3px; padding: 6px; }"));
    error_->hide();

    auto* numbers = new QFormLayout;
    numbers->setLabelAlignment(Qt::AlignRight);
    numbers->setHorizontalSpacing(10);
    numbers->setVerticalSpacing(3);
    numbers->addRow(tr("Iteration"), iteration_);
    numbers->addRow(tr("Samples/s"), throughput_);
    numbers->addRow(tr("Samples"), samples_);
    numbers->addRow(tr("Elapsed"), elapsed_);
    numbers->addRow(tr("Knobs"), knobs_);
    numbers->addRow(tr("Last epoch"), last_epoch_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(5);
    layout->addWidget(state_);
    layout->addWidget(detail_);
    layout->addWidget(error_);
    layout->addWidget(epoch_);
    layout->addWidget(epoch_bar_);
    layout->addWidget(separator());
    layout->addLayout(numbers);
    layout->addWidget(separator());
    layout->addWidget(shares_title_);
    layout->addWidget(share_bar_);
    layout->addWidget(shares_);
    layout->addWidget(run_title_);
    layout->addWidget(run_bar_);
    layout->addWidget(run_shares_);
    layout->addWidget(separator());
    layout->addWidget(data_);
    showNoRun();
}

void RunStatusPanel::showNoRun() {
    state_->setText(QStringLiteral("<span style='color:#555555'>\u25CF</span> ") + tr("No run"));
    detail_->setText(tr("Set the knobs and press Start (Ctrl+R)."));
    detail_->show();
    error_->hide();
    epoch_->setText(tr("Epoch \u2013"));
    epoch_bar_->setValue(0);
    for (QLabel* l : {iteration_, throughput_, elapsed_, samples_, knobs_, last_epoch_})
        l->setText(QStringLiteral("\u2013"));
    shares_title_->setText(tr("Where the time goes (recent iterations)"));
    shares_->setText(QStringLiteral("\u2013"));
    share_bar_->setShares({});
    run_title_->setText(tr("Whole run"));
    run_shares_->setText(QStringLiteral("\u2013"));
    run_bar_->setShares({});
    data_->clear();
}

void RunStatusPanel::showSnapshot(const engine::RunSnapshot& s) {
    state_->setText(QStringLiteral("<span style='color:%1'>\u25CF</span> %2")
                        .arg(state_colour(s.state), state_name(s.state)));
    const bool failed = s.state == RunState::Failed;
    const QString message = QString::fromStdString(s.message);
    error_->setVisible(failed);
    if (failed) error_->setText(tr("Run failed: %1").arg(message.isEmpty() ? tr("unknown error") : message));
    detail_->setText(message);
    // The engine's short status ("loading the data", "stopped by the user"), unless it only
    // repeats the state.
    detail_->setVisible(!failed && !message.isEmpty() &&
                        message.compare(state_name(s.state), Qt::CaseInsensitive) != 0);

    const int epochs = std::max(s.epochs, 1);
    const double progress = std::clamp(s.epoch_progress, 0.0, 1.0);
    epoch_->setText(tr("Epoch %1 / %2  \u00b7  %3%").arg(s.epoch).arg(epochs).arg(std::lround(progress * 100)));
    epoch_bar_->setValue(static_cast<int>(std::lround(progress * 1000)));
    iteration_->setText(QString::fromStdString(group_thousands(static_cast<double>(s.iterations_done))));
    throughput_->setText(s.throughput.empty()
                             ? QStringLiteral("\u2013")
                             : QString::fromStdString(group_thousands(s.throughput.back().value)));
    samples_->setText(QString::fromStdString(group_thousands(static_cast<double>(s.samples_done))));
    elapsed_->setText(QStringLiteral("%1 s").arg(s.elapsed_s, 0, 'f', 1));
    knobs_->setText(QString::fromStdString(knobs_in_effect(s)));
    if (s.epochs_done.empty()) {
        last_epoch_->setText(QStringLiteral("\u2013"));
    } else {
        const auto& e = s.epochs_done.back();
        const auto acc = accuracy_percent(e);
        last_epoch_->setText(tr("%1: loss %2 \u00b7 test acc %3")
                                 .arg(e.epoch)
                                 .arg(e.train_loss, 0, 'f', 3)
                                 .arg(acc ? QStringLiteral("%1%").arg(*acc, 0, 'f', 1) : tr("not run")));
    }
    const PartShares shares = mean_shares(s.recent);
    shares_title_->setText(tr("Where the time goes (last %1 iterations)").arg(s.recent.size()));
    share_bar_->setShares(shares);
    shares_->setText(s.recent.empty() ? QStringLiteral("\u2013") : QString::fromStdString(format_shares(shares)));
    const PartShares run = shares_of(s.run_breakdown);
    run_title_->setText(tr("Whole run (%1 iterations)")
                            .arg(QString::fromStdString(group_thousands(static_cast<double>(s.run_breakdown_iterations)))));
    run_bar_->setShares(run);
    run_shares_->setText(s.run_breakdown_iterations == 0 ? QStringLiteral("\u2013")
                                                         : QString::fromStdString(format_shares(run)));
    // "Fashion-MNIST (/usr/share/...)": the name on screen, the whole description on hover.
    const QString dataset = QString::fromStdString(s.dataset.empty() ? std::string("dataset") : s.dataset);
    data_->setText(tr("%1 \u00b7 %2 train \u00b7 %3 test\n%4")
                       .arg(dataset.section(QStringLiteral(" ("), 0, 0),
                            QString::fromStdString(group_thousands(static_cast<double>(s.train_samples))),
                            QString::fromStdString(group_thousands(static_cast<double>(s.test_samples))),
                            QString::fromStdString(s.model.empty() ? std::string("model") : s.model)));
    data_->setToolTip(tr("%1\n%2 on %3").arg(dataset, QString::fromStdString(s.model),
                                             QString::fromStdString(s.backend)));
}

}  // namespace batchscope::ui
