#include "live_views.h"

#include <QHBoxLayout>
#include <QSplitter>
#include <QVBoxLayout>

#include "breakdown_stats.h"
#include "chart_export.h"
#include "charts/breakdown_bar_chart.h"
#include "charts/time_series_chart.h"
#include "phase_style.h"
#include "run_text.h"

namespace batchscope::ui {

namespace {

QList<QPointF> to_points(const std::vector<engine::SeriesPoint>& series) {
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(series.size()));
    for (const auto& p : series) points.append(QPointF(p.t_s, p.value));
    return points;
}

QString marker_tooltip(const TimedKnobChange& k) {
    return QStringLiteral("%1: %2 \u2192 %3\nfrom iteration %4 (t = %5 s)")
        .arg(QString::fromStdString(k.change.knob))
        .arg(k.change.old_value)
        .arg(k.change.new_value)
        .arg(k.change.iteration)
        .arg(k.t_s, 0, 'f', 1);
}

QList<ChartMarker> time_markers(const RunTimeline& timeline) {
    QList<ChartMarker> markers;
    for (const auto& k : timeline.knob_changes())
        markers.append({k.t_s, QString::fromStdString(knob_change_label(k.change)), marker_tooltip(k)});
    return markers;
}

// A knob change sits between the last column before its first iteration and that iteration.
QList<ChartMarker> column_markers(const BreakdownColumns& columns, const RunTimeline& timeline) {
    QList<ChartMarker> markers;
    for (const auto& k : timeline.knob_changes()) {
        for (size_t col = 0; col < columns.iteration.size(); ++col) {
            if (columns.iteration[col] == k.change.iteration) {
                if (col > 0 && columns.iteration[col - 1] >= 0)
                    markers.append({static_cast<double>(col) - 0.5,
                                    QString::fromStdString(knob_change_label(k.change)),
                                    marker_tooltip(k)});
                break;
            }
        }
    }
    return markers;
}

}  // namespace

LiveViews::LiveViews(QWidget* parent)
    : QWidget(parent),
      breakdown_(new BreakdownBarChart),
      throughput_(new TimeSeriesChart(tr("Throughput"), tr("samples/s"))),
      loss_(new TimeSeriesChart(tr("Training loss and test accuracy"), tr("loss"))) {
    throughput_series_ = throughput_->addSeries(tr("training samples/s"), QColor(palette::kBlue));
    loss_->setRightAxis(tr("test accuracy [%]"), 0, 100);
    loss_series_ = loss_->addSeries(tr("training loss"), QColor(palette::kOrange));
    accuracy_series_ = loss_->addSeries(tr("test accuracy (per epoch)"), QColor(palette::kReddishPurple),
                                        TimeSeriesChart::Axis::Right, true);
    throughput_->setToolTip(tr("Training samples per second over the run; dashed lines mark knob changes."));
    loss_->setToolTip(tr("Mean training loss over time (left axis) and test-set accuracy after each "
                         "epoch (right axis)."));

    add_chart_save_menu(breakdown_, QStringLiteral("breakdown"));
    add_chart_save_menu(throughput_, QStringLiteral("throughput"));
    add_chart_save_menu(loss_, QStringLiteral("loss-accuracy"));

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(throughput_);
    bottom->addWidget(loss_);
    bottom->setChildrenCollapsible(false);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(breakdown_);
    split->addWidget(bottom);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 4);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
}

void LiveViews::showSnapshot(const engine::RunSnapshot& s, const RunTimeline& timeline) {
    if (s.recent.empty()) {
        const QString hint = s.state == engine::RunState::Failed  ? tr("The run failed \u2014 see the message on the left")
                             : s.state == engine::RunState::Loading ? tr("Loading the data\u2026")
                                                                    : tr("Waiting for the first iteration\u2026");
        breakdown_->setPlaceholderText(hint);
    }
    const BreakdownColumns columns = last_columns(s.recent, BreakdownBarChart::kColumns);
    breakdown_->setColumns(columns);
    breakdown_->setMarkers(column_markers(columns, timeline));

    const QList<ChartMarker> markers = time_markers(timeline);
    throughput_->setPoints(throughput_series_, to_points(s.throughput));
    throughput_->setMarkers(markers);
    loss_->setPoints(loss_series_, to_points(s.loss));
    loss_->setPoints(accuracy_series_, to_points(timeline.test_accuracy()));
    loss_->setMarkers(markers);
}

void LiveViews::clear() {
    breakdown_->clear();
    breakdown_->setPlaceholderText(tr("No iterations yet \u2014 press Start (Ctrl+R)"));
    throughput_->clear();
    loss_->clear();
}

}  // namespace batchscope::ui
