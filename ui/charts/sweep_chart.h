#pragma once
// The latency-versus-throughput curve of a sweep: p50 (solid) and p99 (dashed) latency on a log
// axis against the throughput achieved, one colour per maximum batch size, a dot per point
// (offered rate) with a tooltip giving the rate, batch, p50/p99 and requests.
#include <QString>
#include <QWidget>
#include <memory>
#include <vector>

#include "sweep_data.h"

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;
QT_END_NAMESPACE

namespace batchscope::ui {

class ChartPlaceholder;

class SweepChart : public QWidget {
    Q_OBJECT
public:
    explicit SweepChart(QWidget* parent = nullptr);
    ~SweepChart() override;

    // Draws `points` (any order; each max batch is one pair of lines in offered-rate order);
    // nothing is redrawn when they did not change.
    void setPoints(const std::vector<SweepCurvePoint>& points);
    void clear();
    void setPlaceholderText(const QString& text);

    int pointCount() const { return static_cast<int>(points_.size()); }
    int curveCount() const { return static_cast<int>(curves_.size()); }  // max batch sizes
    // Dots drawn on the chart (p50 and p99: two per point).
    int dotCount() const;
    // The tooltip of point `i` of curve `curve` (curves in max batch order).
    QString pointToolTip(int curve, int i) const;

private:
    struct Curve {
        int max_batch;
        QLineSeries* p50;
        QLineSeries* p99;
        std::vector<SweepCurvePoint> points;  // in offered-rate order
    };
    void showToolTip(const Curve& c, const QPointF& at, bool p99, bool on);

    QChartView* view_;
    QChart* chart_;
    QValueAxis* x_axis_;
    QLogValueAxis* y_axis_;
    std::unique_ptr<ChartPlaceholder> placeholder_;
    std::vector<SweepCurvePoint> points_;
    std::vector<Curve> curves_;
    bool drawn_ = false;
};

}  // namespace batchscope::ui
