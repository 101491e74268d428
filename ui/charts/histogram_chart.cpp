#include "charts/histogram_chart.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

#include "charts/axis_range.h"
#include "charts/chart_style.h"

namespace batchscope::ui {

HistogramChart::HistogramChart(const QString& title, const QString& x_title, const QString& y_title,
                               const QColor& colour, QWidget* parent)
    : QWidget(parent), view_(new QChartView), chart_(new QChart), series_(new QBarSeries), set_(new QBarSet(y_title)),
      x_axis_(new QBarCategoryAxis), y_axis_(new QValueAxis) {
    style_chart(chart_, title);
    set_->setColor(colour);
    set_->setBorderColor(colour);
    series_->append(set_);
    series_->setBarWidth(0.9);
    chart_->addSeries(series_);
    x_axis_->setTitleText(x_title);
    style_value_axis(y_axis_, y_title);
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    series_->attachAxis(x_axis_);
    series_->attachAxis(y_axis_);
    chart_->legend()->hide();
    placeholder_ = std::make_unique<ChartPlaceholder>(chart_, tr("Waiting for requests"));
    view_->setChart(chart_);
    style_view(view_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    clear();
}

HistogramChart::~HistogramChart() = default;

void HistogramChart::setBins(const QStringList& labels, const std::vector<double>& counts) {
    if (labels == labels_ && counts == counts_) return;
    counts_ = counts;
    set_->remove(0, set_->count());
    QList<qreal> values(counts.begin(), counts.end());
    set_->append(values);
    // Counts change every frame of a live stream, the bins seldom: the axis is rebuilt only then.
    if (labels != labels_ || x_axis_->count() != labels.size()) {
        labels_ = labels;
        x_axis_->clear();
        x_axis_->append(labels);
        x_axis_->setLabelsAngle(labels.size() > 12 ? -90 : 0);  // many bins: upright labels would be elided
    }
    const double top = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
    const double y_max = sticky_axis_max(y_max_, top > 0 ? top * 1.05 : 1.0);
    if (y_max != y_max_) {
        y_max_ = y_max;
        set_nice_range(y_axis_, 0, y_max_);
    }
    placeholder_->setVisible(counts.empty());
}

void HistogramChart::clear() {
    y_max_ = 0;
    setBins({}, {});
    placeholder_->setVisible(true);
}

double HistogramChart::total() const { return std::accumulate(counts_.begin(), counts_.end(), 0.0); }

}  // namespace batchscope::ui
