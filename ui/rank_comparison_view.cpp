#include "rank_comparison_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>


namespace batchscope::ui {

namespace {

QTableWidget* table(const QStringList& headers, const QString& tip) {
    auto* t = new QTableWidget(0, static_cast<int>(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionMode(QAbstractItemView::NoSelection);
    t->verticalHeader()->setVisible(false);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setAlternatingRowColors(true);
    t->setToolTip(tip);
    return t;
}

QTableWidgetItem* cell(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QTableWidgetItem* ms(double v) { return cell(QString::number(v, 'f', 2)); }

QString rank_name(int rank, int64_t session) {
    return rank >= 0 ? QString::number(rank) : QObject::tr("? (#%1)").arg(session);
}

}  // namespace

RankComparisonView::RankComparisonView(QWidget* parent)
    : QWidget(parent),
      ranks_(table({tr("rank"), tr("session"), tr("steps"), tr("step ms"), tr("compute"), tr("comm"), tr("h2d"),
                    tr("d2h"), tr("other GPU"), tr("data wait"), tr("host")},
                   tr("Per rank: the mean step and each part of it, in ms per step."))),
      steps_(table({tr("step"), tr("ranks"), tr("slowest rank"), tr("slowest ms"), tr("fastest ms"), tr("spread ms")},
                   tr("Per step (ProfilerStep#N, matched by N): the slowest rank and how much longer it took than the "
                      "fastest. Every rank waits for the slowest at the next collective."))),
      outliers_(new QLabel) {
    outliers_->setWordWrap(true);
    outliers_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* tables = new QHBoxLayout;
    tables->setContentsMargins(0, 0, 0, 0);
    tables->addWidget(ranks_, 3);
    tables->addWidget(steps_, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(outliers_);
    layout->addLayout(tables, 1);
    hide();
}

void RankComparisonView::showRanks(const store::RankComparison& r) {
    ranks_->setRowCount(static_cast<int>(r.ranks.size()));
    for (int i = 0; i < static_cast<int>(r.ranks.size()); ++i) {
        const store::RankRow& k = r.ranks[static_cast<size_t>(i)];
        ranks_->setItem(i, 0, cell(rank_name(k.rank, k.session_id)));
        ranks_->setItem(i, 1, cell(QStringLiteral("#%1").arg(k.session_id)));
        ranks_->setItem(i, 2, cell(QString::number(k.steps)));
        int col = 3;
        for (double v : {k.step_ms, k.compute_ms, k.comm_ms, k.h2d_ms, k.d2h_ms, k.other_gpu_ms, k.data_wait_ms, k.host_ms})
            ranks_->setItem(i, col++, ms(v));
    }
    steps_->setRowCount(static_cast<int>(r.steps.size()));
    for (int i = 0; i < static_cast<int>(r.steps.size()); ++i) {
        const store::StepSpread& s = r.steps[static_cast<size_t>(i)];
        steps_->setItem(i, 0, cell(QString::number(s.step)));
        steps_->setItem(i, 1, cell(QString::number(s.ranks)));
        steps_->setItem(i, 2, cell(rank_name(s.slowest_rank, s.slowest_session)));
        steps_->setItem(i, 3, ms(s.slowest_ms));
        steps_->setItem(i, 4, ms(s.fastest_ms));
        steps_->setItem(i, 5, ms(s.spread_ms()));
    }
    QStringList lines;
    for (const std::string& o : r.outliers) lines << QString::fromStdString(o);
    outliers_->setText(r.ranks.empty() ? QString()
                       : lines.isEmpty()
                           ? tr("Ranks: no rank's mean data wait or compute is more than 20% off the median of the ranks "
                                "(compute %1 ms, data wait %2 ms).")
                                 .arg(r.median_compute_ms, 0, 'f', 2)
                                 .arg(r.median_data_wait_ms, 0, 'f', 2)
                           : tr("<b>Ranks more than 20% off the median:</b> %1").arg(lines.join(QStringLiteral("; "))));
    setVisible(!r.ranks.empty());
}

}  // namespace batchscope::ui
