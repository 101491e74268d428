#pragma once
// One or two line series over time (seconds since the run started), with axis titles, an
// optional right-hand axis and vertical markers for knob changes. Each refresh replaces a
// series' points in one call; callers keep point counts bounded (see axis_range.h).
#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <memory>
#include <vector>

#include "charts/chart_markers.h"

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace batchscope::ui {

class ChartPlaceholder;

class TimeSeriesChart : public QWidget {
    Q_OBJECT
public:
    enum class Axis { Left, Right };
    static constexpr qsizetype kMaxPoints = 600;  // per series; more are thinned out

    TimeSeriesChart(const QString& title, const QString& left_axis_title, QWidget* parent = nullptr);
    ~TimeSeriesChart() override;

    // A right-hand axis with a fixed range (e.g. accuracy 0..100 %).
    void setRightAxis(const QString& title, double min, double max);
    // Returns the series index. `points` also draws a dot at every point (sparse series).
    int addSeries(const QString& name, const QColor& colour, Axis axis = Axis::Left,
                  bool points = false);
    void setPoints(int series, const QList<QPointF>& points);
    void setMarkers(const QList<ChartMarker>& markers);
    void setPlaceholderText(const QString& text);
    void clear();

    qsizetype pointCount(int series) const;
    QList<QPointF> points(int series) const;  // as drawn (thinned out beyond kMaxPoints)
    QString title() const;
    QString placeholderText() const;
    double xMax() const;

private:
    struct Series {
        QLineSeries* line;
        Axis axis;
        QList<QPointF> points;
    };
    void updateRanges();

    QChartView* view_;
    QChart* chart_;
    QValueAxis* x_axis_;
    QValueAxis* left_axis_;
    QValueAxis* right_axis_ = nullptr;
    ChartMarkers* markers_;
    std::unique_ptr<ChartPlaceholder> placeholder_;
    std::vector<Series> series_;
    double x_max_ = 0, left_max_ = 0;
};

}  // namespace batchscope::ui
