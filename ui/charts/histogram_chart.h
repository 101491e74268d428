#pragma once
// A histogram as bars over labelled bins (latency bins, batch sizes).
#include <QColor>
#include <QStringList>
#include <QWidget>
#include <vector>

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QValueAxis;
QT_END_NAMESPACE

namespace batchscope::ui {

class ChartPlaceholder;

class HistogramChart : public QWidget {
    Q_OBJECT
public:
    HistogramChart(const QString& title, const QString& x_title, const QString& y_title, const QColor& colour,
                   QWidget* parent = nullptr);
    ~HistogramChart() override;

    // One bar per label; skips work when nothing changed.
    void setBins(const QStringList& labels, const std::vector<double>& counts);
    void clear();
    int binCount() const { return static_cast<int>(counts_.size()); }
    double total() const;

private:
    QChartView* view_;
    QChart* chart_;
    QBarSeries* series_;
    QBarSet* set_;
    QBarCategoryAxis* x_axis_;
    QValueAxis* y_axis_;
    std::unique_ptr<ChartPlaceholder> placeholder_;
    QStringList labels_;
    std::vector<double> counts_;
    double y_max_ = 0;  // the axis end shown (sticky: it does not jitter frame to frame)
};

}  // namespace batchscope::ui
