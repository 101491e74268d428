#include "charts/time_series_chart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "charts/axis_range.h"
#include "charts/chart_style.h"

namespace batchscope::ui {

TimeSeriesChart::TimeSeriesChart(const QString& title, const QString& left_axis_title, QWidget* parent)
    : QWidget(parent),
      view_(new QChartView),
      chart_(new QChart),
      x_axis_(new QValueAxis),
      left_axis_(new QValueAxis) {
    style_chart(chart_, title);
    style_value_axis(x_axis_, tr("time since start [s]"));
    style_value_axis(left_axis_, left_axis_title);
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(left_axis_, Qt::AlignLeft);
    chart_->legend()->setAlignment(Qt::AlignTop);
    markers_ = new ChartMarkers(chart_, x_axis_);
    placeholder_ = std::make_unique<ChartPlaceholder>(chart_, tr("Waiting for data"));
    view_->setChart(chart_);
    style_view(view_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    clear();
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::setRightAxis(const QString& title, double min, double max) {
    if (!right_axis_) {
        right_axis_ = new QValueAxis;
        chart_->addAxis(right_axis_, Qt::AlignRight);
    }
    style_value_axis(right_axis_, title);
    right_axis_->setGridLineVisible(false);
    set_nice_range(right_axis_, min, max);
}

int TimeSeriesChart::addSeries(const QString& name, const QColor& colour, Axis axis, bool points) {
    auto* line = new QLineSeries;
    line->setName(name);
    QPen pen(colour, 2.0);
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    line->setPen(pen);
    line->setPointsVisible(points);
    if (points) line->setMarkerSize(7);
    chart_->addSeries(line);
    line->attachAxis(x_axis_);
    line->attachAxis(axis == Axis::Right && right_axis_ ? right_axis_ : left_axis_);
    series_.push_back({line, axis, {}});
    return static_cast<int>(series_.size()) - 1;
}

void TimeSeriesChart::setPoints(int series, const QList<QPointF>& points) {
    if (series < 0 || static_cast<size_t>(series) >= series_.size()) return;
    Series& s = series_[static_cast<size_t>(series)];
    QList<QPointF> kept;
    if (points.size() > kMaxPoints) {
        for (size_t i : decimation_indices(static_cast<size_t>(points.size()), kMaxPoints))
            kept.append(points[static_cast<qsizetype>(i)]);
    } else {
        kept = points;
    }
    if (kept == s.points) return;
    s.points = kept;
    s.line->replace(s.points);  // one call: one repaint, however many points changed
    updateRanges();
}

void TimeSeriesChart::setMarkers(const QList<ChartMarker>& markers) { markers_->setMarkers(markers); }

void TimeSeriesChart::setPlaceholderText(const QString& text) { placeholder_->setText(text); }

void TimeSeriesChart::clear() {
    for (auto& s : series_) {
        s.points.clear();
        s.line->clear();
    }
    markers_->setMarkers({});
    x_max_ = 0;
    left_max_ = 0;
    updateRanges();
}

qsizetype TimeSeriesChart::pointCount(int series) const {
    if (series < 0 || static_cast<size_t>(series) >= series_.size()) return 0;
    return series_[static_cast<size_t>(series)].line->count();
}

QList<QPointF> TimeSeriesChart::points(int series) const {
    if (series < 0 || static_cast<size_t>(series) >= series_.size()) return {};
    return series_[static_cast<size_t>(series)].points;
}

QString TimeSeriesChart::title() const { return chart_->title(); }

QString TimeSeriesChart::placeholderText() const { return placeholder_->text(); }

double TimeSeriesChart::xMax() const { return x_axis_->max(); }

void TimeSeriesChart::updateRanges() {
    double t_max = 0, y_max = 0;
    bool any = false;
    for (const auto& s : series_) {
        for (const QPointF& p : s.points) {
            t_max = std::max(t_max, p.x());
            if (s.axis == Axis::Left || !right_axis_) y_max = std::max(y_max, p.y());
            any = true;
        }
    }
    for (const auto& m : markers_->markers()) t_max = std::max(t_max, m.x);
    // The time axis grows in round steps (at least 10 s) so it does not jitter every frame.
    const double x_needed = std::max(10.0, t_max * 1.02);
    if (x_needed > x_max_ || x_max_ <= 0) {
        x_max_ = nice_axis_max(x_needed);
        set_nice_range(x_axis_, 0, x_max_, 6);
    }
    const double left = sticky_axis_max(left_max_, y_max > 0 ? y_max * 1.1 : 1.0);
    if (left != left_max_) {
        left_max_ = left;
        set_nice_range(left_axis_, 0, left_max_);
    }
    placeholder_->setVisible(!any);
}

}  // namespace batchscope::ui
