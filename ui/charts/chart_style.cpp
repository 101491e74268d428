#include "charts/chart_style.h"

#include <QChart>
#include <QChartView>
#include <QFont>
#include <QGraphicsSimpleTextItem>
#include <QLegend>
#include <QLegendMarker>
#include <QValueAxis>

#include <cmath>

#include "charts/axis_range.h"

namespace batchscope::ui {

namespace {
QFont with_size(QFont f, double points, bool bold = false) {
    f.setPointSizeF(points);
    f.setBold(bold);
    return f;
}
void center_in_plot(QChart* chart, QGraphicsSimpleTextItem* item) {
    const QRectF area = chart->plotArea();
    const QRectF box = item->boundingRect();
    item->setPos(area.center() - QPointF(box.width() / 2, box.height() / 2));
}
}  // namespace

void style_chart(QChart* chart, const QString& title) {
    chart->setTitle(title);
    chart->setTitleFont(with_size(chart->titleFont(), 10.5, true));
    chart->setTitleBrush(QColor(0x20, 0x20, 0x20));
    chart->setBackgroundRoundness(0);
    chart->setBackgroundBrush(Qt::white);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setMargins(QMargins(6, 4, 10, 4));
    chart->setAnimationOptions(QChart::NoAnimation);  // live data: animations only lag
    chart->legend()->setFont(with_size(chart->legend()->font(), 8.5));
    chart->legend()->setLabelColor(QColor(0x30, 0x30, 0x30));
}

void style_view(QChartView* view) {
    view->setRenderHint(QPainter::Antialiasing, true);
    view->setFrameShape(QFrame::NoFrame);
    view->setMinimumSize(320, 220);
}

void style_value_axis(QValueAxis* axis, const QString& title) {
    axis->setTitleText(title);
    axis->setTitleFont(with_size(axis->titleFont(), 8.5));
    axis->setTitleBrush(QColor(0x40, 0x40, 0x40));
    axis->setLabelsFont(with_size(axis->labelsFont(), 8));
    axis->setLabelsColor(QColor(0x40, 0x40, 0x40));
    axis->setGridLineColor(QColor(0xE4, 0xE4, 0xE4));
    axis->setMinorGridLineVisible(false);
    axis->setLinePenColor(QColor(0xA0, 0xA0, 0xA0));
    axis->setLabelFormat(QStringLiteral("%.0f"));
}

QStringList visible_legend_labels(const QChart* chart, QAbstractSeries* series) {
    QStringList out;
    for (const QLegendMarker* m : chart->legend()->markers(series))
        if (m->isVisible()) out << m->label();
    return out;
}

void set_nice_range(QValueAxis* axis, double min, double max, int target_ticks) {
    if (!(max > min)) max = min + 1;
    const double step = nice_step(max - min, target_ticks);
    const double lo = std::floor(min / step) * step;
    const double hi = std::ceil(max / step - 1e-9) * step;
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0.0);
    axis->setTickInterval(step);
    axis->setRange(lo, hi);
    axis->setLabelFormat(QStringLiteral("%.") + QString::number(decimals_for_step(step)) +
                         QStringLiteral("f"));
}

ChartPlaceholder::ChartPlaceholder(QChart* chart, const QString& text)
    : chart_(chart), item_(new QGraphicsSimpleTextItem(text, chart)) {
    item_->setBrush(QColor(0x90, 0x90, 0x90));
    item_->setFont(with_size(item_->font(), 10));
    item_->setZValue(20);
    // Captures the chart and its own child item, never `this`: safe whatever dies first.
    QObject::connect(chart, &QChart::plotAreaChanged, chart,
                     [chart, item = item_] { center_in_plot(chart, item); });
    relayout();
}

void ChartPlaceholder::setVisible(bool visible) {
    if (item_->isVisible() != visible) item_->setVisible(visible);
}

QString ChartPlaceholder::text() const { return item_->text(); }

void ChartPlaceholder::setText(const QString& text) {
    item_->setText(text);
    relayout();
}

void ChartPlaceholder::relayout() { center_in_plot(chart_, item_); }

}  // namespace batchscope::ui
