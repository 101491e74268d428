#pragma once
// Vertical markers with short labels ("batch 128→64") drawn over a chart's plot area, kept in
// place when the axis range or the plot area changes. Labels that would overlap move down a row.
#include <QList>
#include <QObject>
#include <QString>
#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QValueAxis;
class QGraphicsLineItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
QT_END_NAMESPACE

namespace batchscope::ui {

struct ChartMarker {
    double x = 0;     // in the units of the x axis
    QString label;    // short, drawn beside the line
    QString tooltip;  // longer, on hover
    friend bool operator==(const ChartMarker&, const ChartMarker&) = default;
};

class ChartMarkers : public QObject {
public:
    static constexpr int kMaxMarkers = 16;  // the newest are kept

    // Owned by `chart`; positions follow `x_axis`.
    ChartMarkers(QChart* chart, QValueAxis* x_axis);

    void setMarkers(const QList<ChartMarker>& markers);
    const QList<ChartMarker>& markers() const { return markers_; }
    void relayout();

private:
    struct Item {
        QGraphicsLineItem* line;
        QGraphicsRectItem* box;
        QGraphicsSimpleTextItem* text;
    };
    Item makeItem();

    QChart* chart_;
    QValueAxis* axis_;
    QList<ChartMarker> markers_;
    std::vector<Item> items_;
};

}  // namespace batchscope::ui
