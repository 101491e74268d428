#include "charts/breakdown_bar_chart.h"

#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QLegendMarker>
#include <QStackedBarSeries>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include "charts/axis_range.h"
#include "charts/chart_style.h"
#include "charts/part_legend.h"
#include "phase_style.h"

namespace batchscope::ui {

BreakdownBarChart::BreakdownBarChart(QWidget* parent)
    : QWidget(parent),
      view_(new QChartView),
      chart_(new QChart),
      series_(new QStackedBarSeries),
      x_axis_(new QCategoryAxis),
      y_axis_(new QValueAxis) {
    style_chart(chart_, tr("Where each iteration's time goes \u2014 last %1 iterations").arg(kColumns));
    for (Part p : kParts) {
        auto* set = new QBarSet(part_label(p));
        set->setColor(part_colour(p));
        set->setPen(Qt::NoPen);
        sets_[static_cast<size_t>(p)] = set;
        series_->append(set);
        connect(set, &QBarSet::hovered, this,
                [this, p](bool on, int index) { showBarTooltip(p, on, index); });
    }
    series_->setBarWidth(0.82);
    chart_->addSeries(series_);

    // Fixed labels relative to the newest bar: the axis never has to be rebuilt while running.
    x_axis_->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    for (int back = kColumns - 10; back > 0; back -= 10)
        x_axis_->append(QString::fromUtf8("\u2212%1").arg(back), kColumns - 1 - back);
    x_axis_->append(tr("latest"), kColumns - 1);
    style_value_axis(x_axis_, tr("iterations (newest at the right)"));
    x_axis_->setRange(-0.5, kColumns - 0.5);
    x_axis_->setGridLineVisible(false);
    style_value_axis(y_axis_, tr("time per iteration [ms]"));
    set_nice_range(y_axis_, 0, 1);
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    series_->attachAxis(x_axis_);
    series_->attachAxis(y_axis_);

    chart_->legend()->setAlignment(Qt::AlignTop);
    chart_->legend()->setToolTip(tr("Hover a colour to see what the part means"));
    explain_parts_on_hover(chart_, series_, this);

    markers_ = new ChartMarkers(chart_, x_axis_);
    placeholder_ = std::make_unique<ChartPlaceholder>(
        chart_, tr("No iterations yet \u2014 press Start (Ctrl+R)"));
    view_->setChart(chart_);
    style_view(view_);
    // Upright rectangles and level grid lines gain nothing from antialiasing, and this chart is
    // repainted every frame of a live run: it is the GUI thread's largest paint (text stays smooth).
    view_->setRenderHint(QPainter::Antialiasing, false);
    setToolTip(tr("Each bar is one training iteration, split by priority so the parts add up to "
                  "its wall time.\nHover a bar or a legend entry for details."));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    clear();
}

BreakdownBarChart::~BreakdownBarChart() = default;

void BreakdownBarChart::setColumns(const BreakdownColumns& columns) {
    if (columns.iteration == shown_.iteration && columns.ms == shown_.ms) return;
    for (size_t k = 0; k < sets_.size(); ++k) {
        QList<qreal> values(columns.ms[k].begin(), columns.ms[k].end());
        sets_[k]->remove(0, static_cast<int>(sets_[k]->count()));
        sets_[k]->append(values);
    }
    const double needed = columns.max_total_ms * 1.08;
    const double y_max = sticky_axis_max(y_max_, needed > 0 ? needed : 1.0);
    if (y_max != y_max_) {
        y_max_ = y_max;
        set_nice_range(y_axis_, 0, y_max_);
    }
    const auto legend_markers = chart_->legend()->markers(series_);
    for (qsizetype i = 0; i < legend_markers.size() && i < kPartCount; ++i)
        legend_markers[i]->setVisible(part_listed(kParts[static_cast<size_t>(i)], columns.ms[static_cast<size_t>(i)]));
    const bool empty = columns.iteration.empty() || columns.iteration.back() < 0;
    placeholder_->setVisible(empty);
    shown_ = columns;
}

void BreakdownBarChart::setMarkers(const QList<ChartMarker>& markers) { markers_->setMarkers(markers); }

void BreakdownBarChart::clear() {
    BreakdownColumns none;
    for (auto& v : none.ms) v.assign(kColumns, 0.0);
    none.iteration.assign(kColumns, -1);
    none.batch_size.assign(kColumns, 0);
    y_max_ = 0;
    shown_ = {};
    setColumns(none);
    markers_->setMarkers({});
}

void BreakdownBarChart::setPlaceholderText(const QString& text) { placeholder_->setText(text); }

double BreakdownBarChart::axisMaxMs() const { return y_axis_->max(); }

int BreakdownBarChart::columnCount() const { return static_cast<int>(sets_[0]->count()); }

QStringList BreakdownBarChart::legendLabels() const { return visible_legend_labels(chart_, series_); }

void BreakdownBarChart::showBarTooltip(Part part, bool hovered, int index) {
    if (!hovered || index < 0 || static_cast<size_t>(index) >= shown_.iteration.size() ||
        shown_.iteration[static_cast<size_t>(index)] < 0) {
        QToolTip::hideText();
        return;
    }
    const auto col = static_cast<size_t>(index);
    double total = 0;
    for (const auto& v : shown_.ms) total += v[col];
    const double ms = shown_.ms[static_cast<size_t>(part)][col];
    QString text = QStringLiteral("<b>%1: %2 ms</b> (%3% of %4 ms)<br>%5<br>"
                                  "<span style='color:#666'>iteration %6 \u00b7 batch %7</span>")
                       .arg(part_label(part))
                       .arg(ms, 0, 'f', 2)
                       .arg(total > 0 ? ms / total * 100.0 : 0.0, 0, 'f', 0)
                       .arg(total, 0, 'f', 2)
                       .arg(part_explanation(part))
                       .arg(shown_.iteration[col])
                       .arg(shown_.batch_size[col]);
    QToolTip::showText(QCursor::pos(), text, this);
}

}  // namespace batchscope::ui
