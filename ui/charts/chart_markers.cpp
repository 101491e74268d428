#include "charts/chart_markers.h"

#include <QBrush>
#include <QChart>
#include <QFont>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QPen>
#include <QValueAxis>

#include <array>

namespace batchscope::ui {

namespace {
const QColor kMarkerColour(0x33, 0x33, 0x33);
constexpr int kRows = 3;
}  // namespace

ChartMarkers::ChartMarkers(QChart* chart, QValueAxis* x_axis)
    : QObject(chart), chart_(chart), axis_(x_axis) {
    connect(chart, &QChart::plotAreaChanged, this, &ChartMarkers::relayout);
    connect(x_axis, &QValueAxis::rangeChanged, this, &ChartMarkers::relayout);
}

ChartMarkers::Item ChartMarkers::makeItem() {
    Item it{new QGraphicsLineItem(chart_), nullptr, nullptr};
    QPen pen(kMarkerColour, 1.2, Qt::DashLine);
    pen.setCosmetic(true);
    it.line->setPen(pen);
    it.line->setZValue(10);
    it.box = new QGraphicsRectItem(chart_);
    it.box->setPen(Qt::NoPen);
    it.box->setBrush(QColor(255, 255, 255, 215));
    it.box->setZValue(11);
    it.text = new QGraphicsSimpleTextItem(it.box);
    QFont f = it.text->font();
    f.setPointSizeF(8);
    f.setBold(true);
    it.text->setFont(f);
    it.text->setBrush(kMarkerColour);
    return it;
}

void ChartMarkers::setMarkers(const QList<ChartMarker>& markers) {
    QList<ChartMarker> kept = markers.size() > kMaxMarkers ? markers.mid(markers.size() - kMaxMarkers)
                                                           : markers;
    if (kept == markers_) return;
    markers_ = std::move(kept);
    while (items_.size() < static_cast<size_t>(markers_.size())) items_.push_back(makeItem());
    for (size_t i = 0; i < items_.size(); ++i) {
        const bool used = i < static_cast<size_t>(markers_.size());
        if (used) {
            const ChartMarker& m = markers_[static_cast<qsizetype>(i)];
            items_[i].text->setText(m.label);
            items_[i].box->setRect(items_[i].text->boundingRect().adjusted(-2, 0, 2, 0));
            items_[i].line->setToolTip(m.tooltip.isEmpty() ? m.label : m.tooltip);
            items_[i].box->setToolTip(m.tooltip.isEmpty() ? m.label : m.tooltip);
        }
    }
    relayout();
}

void ChartMarkers::relayout() {
    const QRectF area = chart_->plotArea();
    const double lo = axis_->min(), hi = axis_->max();
    std::array<double, kRows> row_end;
    row_end.fill(-1e9);
    for (size_t i = 0; i < items_.size(); ++i) {
        Item& it = items_[i];
        const bool used = i < static_cast<size_t>(markers_.size());
        const double x = used ? markers_[static_cast<qsizetype>(i)].x : 0;
        const bool inside = used && hi > lo && x >= lo && x <= hi && area.width() > 0;
        it.line->setVisible(inside);
        it.box->setVisible(inside);
        if (!inside) continue;
        const double px = area.left() + (x - lo) / (hi - lo) * area.width();
        it.line->setLine(px, area.top(), px, area.bottom());
        const QRectF box = it.box->rect();
        // Right of the line if it fits, else left of it; first row where it does not overlap.
        double left = px + 3;
        if (left + box.width() > area.right()) left = px - 3 - box.width();
        int row = 0;
        while (row < kRows - 1 && left < row_end[static_cast<size_t>(row)] + 4) ++row;
        row_end[static_cast<size_t>(row)] = left + box.width();
        it.box->setPos(left - box.left(), area.top() + 2 + row * (box.height() + 1) - box.top());
    }
}

}  // namespace batchscope::ui
