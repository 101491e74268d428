#pragma once
// Stacked bars of the last iterations' breakdown in milliseconds (data wait, h2d, compute,
// d2h, host), newest at the right, with a legend and tooltips that explain each part.
#include <QList>
#include <QStringList>
#include <QWidget>
#include <array>
#include <memory>

#include "breakdown_stats.h"
#include "charts/chart_markers.h"

QT_BEGIN_NAMESPACE
class QBarSet;
class QCategoryAxis;
class QChart;
class QChartView;
class QStackedBarSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace batchscope::ui {

class ChartPlaceholder;

class BreakdownBarChart : public QWidget {
    Q_OBJECT
public:
    static constexpr int kColumns = 60;

    explicit BreakdownBarChart(QWidget* parent = nullptr);
    ~BreakdownBarChart() override;

    // `columns` as last_columns(recent, kColumns) makes them. Skips work when nothing changed.
    void setColumns(const BreakdownColumns& columns);
    // Markers between columns (x in column units, e.g. 41.5 between columns 41 and 42).
    void setMarkers(const QList<ChartMarker>& markers);
    void clear();
    void setPlaceholderText(const QString& text);  // shown while there are no iterations

    double axisMaxMs() const;
    int columnCount() const;  // bars per part currently shown
    QStringList legendLabels() const;  // the parts the legend lists now

private:
    void showBarTooltip(Part part, bool hovered, int index);

    QChartView* view_;
    QChart* chart_;
    QStackedBarSeries* series_;
    std::array<QBarSet*, kPartCount> sets_{};
    QCategoryAxis* x_axis_;
    QValueAxis* y_axis_;
    ChartMarkers* markers_;
    std::unique_ptr<ChartPlaceholder> placeholder_;
    BreakdownColumns shown_;
    double y_max_ = 0;
};

}  // namespace batchscope::ui
