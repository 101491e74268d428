#include "compare_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "chart_export.h"
#include "charts/comparison_bar_chart.h"
#include "charts/time_series_chart.h"
#include "phase_style.h"
#include "rank_comparison_view.h"

namespace batchscope::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString session_title(const store::SessionInfo& s) {
    return QStringLiteral("#%1 %2").arg(s.id).arg(q(s.name));
}

QList<QPointF> points(const std::vector<engine::SeriesPoint>& v) {
    QList<QPointF> out;
    out.reserve(static_cast<qsizetype>(v.size()));
    for (const auto& p : v) out.append(QPointF(p.t_s, p.value));
    return out;
}

QTableWidget* table() {
    auto* t = new QTableWidget;
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionMode(QAbstractItemView::NoSelection);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    t->setAlternatingRowColors(true);
    return t;
}

}  // namespace

QString throughput_title(const ComparisonData& d) {
    return d.throughput_in_steps() ? QObject::tr("Throughput (steps/s)") : QObject::tr("Throughput");
}

QString loss_title(const ComparisonData& d) {
    QStringList without;
    for (const SessionCurves& s : d.sessions)
        if (!s.has_loss) without << QStringLiteral("#%1").arg(s.info.id);
    if (without.isEmpty()) return QObject::tr("Training loss");
    if (without.size() == static_cast<qsizetype>(d.sessions.size())) return QObject::tr("Training loss (none in traces)");
    return QObject::tr("Training loss (%1: none in traces)").arg(without.join(QStringLiteral(", ")));
}

QColor session_colour(int i) {
    static const QRgb colours[] = {palette::kBlue, palette::kVermillion, palette::kBluishGreen, palette::kReddishPurple,
                                   palette::kOrange, palette::kSkyBlue, palette::kYellow, palette::kGrey};
    return QColor(colours[i % 8]);
}

CompareView::CompareView(QWidget* parent)
    : QWidget(parent), title_(new QLabel), chart_row_(new QWidget), bars_(new ComparisonBarChart),
      config_(table()), metrics_(table()), ranks_(new RankComparisonView) {
    title_->setWordWrap(true);
    auto* row = new QHBoxLayout(chart_row_);
    row->setContentsMargins(0, 0, 0, 0);
    auto* tables = new QSplitter(Qt::Horizontal);
    tables->addWidget(config_);
    tables->addWidget(metrics_);
    config_->setToolTip(tr("Configuration keys whose values differ; live knobs are marked with *."));
    metrics_->setToolTip(tr("Measured results; the change in % is against the first session."));
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(chart_row_);
    split->addWidget(tables);
    split->addWidget(ranks_);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addWidget(split, 1);
    rebuildCharts(0);
    row->addWidget(bars_, 1);
    add_chart_save_menu(bars_, QStringLiteral("compare-breakdown"));
    clear();
}

void CompareView::rebuildCharts(int sessions) {
    delete throughput_;
    delete loss_;
    const bool steps = data_ && data_->throughput_in_steps();
    throughput_ = new TimeSeriesChart(data_ ? throughput_title(*data_) : tr("Throughput"),
                                      steps ? tr("steps/s") : tr("samples/s"));
    loss_ = new TimeSeriesChart(data_ ? loss_title(*data_) : tr("Training loss"), tr("loss"));
    loss_->setPlaceholderText(data_ ? tr("A profiler trace records no loss") : tr("Waiting for data"));
    if (steps)
        throughput_->setToolTip(tr("A PyTorch profiler trace records no batch size: throughput is in steps per "
                                   "second for every session compared here."));
    loss_series_.assign(static_cast<size_t>(sessions), -1);
    for (int i = 0; i < sessions; ++i) {
        const QString name = data_ ? session_title(data_->sessions[static_cast<size_t>(i)].info) : QString();
        const SessionCurves* c = data_ ? &data_->sessions[static_cast<size_t>(i)] : nullptr;
        // Curves of a few points (a trace of a few steps) get a dot at each point: one point draws no line.
        throughput_->addSeries(name, session_colour(i), TimeSeriesChart::Axis::Left,
                               c && data_->throughput(static_cast<size_t>(i)).size() < 20);
        if (c && c->has_loss) loss_series_[static_cast<size_t>(i)] = loss_->addSeries(name, session_colour(i));
    }
    add_chart_save_menu(throughput_, QStringLiteral("compare-throughput"));
    add_chart_save_menu(loss_, QStringLiteral("compare-loss"));
    auto* row = static_cast<QHBoxLayout*>(chart_row_->layout());
    row->insertWidget(0, throughput_, 1);
    row->insertWidget(1, loss_, 1);
}

void CompareView::clear() {
    data_.reset();
    title_->setText(tr("Select two or more sessions and press Compare (Ctrl+Shift+C)."));
    config_->clear();
    config_->setRowCount(0);
    config_->setColumnCount(0);
    metrics_->clear();
    metrics_->setRowCount(0);
    metrics_->setColumnCount(0);
    rebuildCharts(0);
    bars_->setBars({}, {});
    ranks_->showRanks({});
}

void CompareView::showComparison(std::shared_ptr<const ComparisonData> comparison) {
    data_ = std::move(comparison);
    if (!data_) return clear();
    const store::Comparison& c = data_->comparison;
    const int n = static_cast<int>(data_->sessions.size());
    QStringList names;
    for (const auto& s : data_->sessions) names << session_title(s.info);
    title_->setText(tr("Comparing %1 sessions: %2").arg(n).arg(names.join(QStringLiteral(" \u00b7 "))));

    rebuildCharts(n);
    std::array<std::vector<double>, kPartCount> ms;
    for (int i = 0; i < n; ++i) {
        const SessionCurves& s = data_->sessions[static_cast<size_t>(i)];
        throughput_->setPoints(i, points(data_->throughput(static_cast<size_t>(i))));
        if (loss_series_[static_cast<size_t>(i)] >= 0) loss_->setPoints(loss_series_[static_cast<size_t>(i)], points(s.loss));
        for (Part p : kParts) ms[static_cast<size_t>(p)].push_back(static_cast<double>(part_ns(s.mean, p)) / 1e6);
    }
    QStringList short_names;
    for (const auto& s : data_->sessions) short_names << QStringLiteral("#%1").arg(s.info.id);
    bars_->setBars(short_names, ms);

    config_->clear();
    config_->setColumnCount(n);
    config_->setHorizontalHeaderLabels(short_names);
    config_->setRowCount(static_cast<int>(c.config_diff.size()));
    QStringList keys;
    for (size_t r = 0; r < c.config_diff.size(); ++r) {
        const store::ConfigDiffRow& row = c.config_diff[r];
        keys << q(row.key) + (row.is_knob ? QStringLiteral(" *") : QString());
        for (int i = 0; i < n && i < static_cast<int>(row.values.size()); ++i)
            config_->setItem(static_cast<int>(r), i, new QTableWidgetItem(q(row.values[static_cast<size_t>(i)])));
    }
    config_->setVerticalHeaderLabels(keys);

    metrics_->clear();
    metrics_->setColumnCount(n);
    metrics_->setHorizontalHeaderLabels(short_names);
    metrics_->setRowCount(static_cast<int>(c.metrics.size()));
    QStringList rows;
    for (size_t r = 0; r < c.metrics.size(); ++r) {
        const store::MetricRow& m = c.metrics[r];
        rows << q(m.name);
        for (int i = 0; i < n && i < static_cast<int>(m.values.size()); ++i) {
            const auto k = static_cast<size_t>(i);
            QString text = q(format_metric(m.values[k], m.unit));
            const std::string delta = i > 0 && k < m.delta_pct.size() ? format_delta(m.delta_pct[k]) : std::string();
            if (!delta.empty()) text += QStringLiteral("  (%1)").arg(q(delta));
            auto* item = new QTableWidgetItem(text);
            if (!delta.empty() && m.delta_pct[k] != 0) {
                const bool better = (m.delta_pct[k] > 0) == m.higher_is_better;
                item->setForeground(better ? QColor(palette::kBluishGreen) : QColor(palette::kVermillion));
            }
            metrics_->setItem(static_cast<int>(r), i, item);
        }
    }
    metrics_->setVerticalHeaderLabels(rows);
    ranks_->showRanks(c.ranks);
}

}  // namespace batchscope::ui
