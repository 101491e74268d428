#pragma once
// One look for every chart: fonts, margins, grid, axis titles, an empty-state hint.
#include <QString>
#include <QStringList>

class QGraphicsSimpleTextItem;
QT_BEGIN_NAMESPACE
class QChart;
class QAbstractSeries;
class QChartView;
class QValueAxis;
QT_END_NAMESPACE

namespace batchscope::ui {

void style_chart(QChart* chart, const QString& title);
void style_view(QChartView* view);
void style_value_axis(QValueAxis* axis, const QString& title);

// Round range and ticks for [0, max] (or [min, max]); label decimals follow the tick step.
void set_nice_range(QValueAxis* axis, double min, double max, int target_ticks = 5);

// The labels of `series`' legend entries that are visible, in order.
QStringList visible_legend_labels(const QChart* chart, QAbstractSeries* series);

// A grey hint centred in the plot area, shown while the chart has no data.
class ChartPlaceholder {
public:
    ChartPlaceholder(QChart* chart, const QString& text);
    void setVisible(bool visible);
    void setText(const QString& text);
    QString text() const;
    void relayout();

private:
    QChart* chart_;
    QGraphicsSimpleTextItem* item_;
};

}  // namespace batchscope::ui
