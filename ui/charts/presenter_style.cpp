#include "charts/presenter_style.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLineSeries>
#include <QWidget>

namespace batchscope::ui {

namespace {

constexpr char kFlag[] = "batchscope_presenter";

QFont scaled(QFont f, double k) {
    f.setPointSizeF(f.pointSizeF() * k);
    return f;
}

void scale_chart(QChart* chart, double k, bool on) {
    chart->setTitleFont(scaled(chart->titleFont(), k));
    chart->setTitleBrush(on ? QColor(Qt::black) : QColor(0x20, 0x20, 0x20));
    chart->legend()->setFont(scaled(chart->legend()->font(), k));
    chart->legend()->setLabelColor(on ? QColor(Qt::black) : QColor(0x30, 0x30, 0x30));
    for (QAbstractAxis* axis : chart->axes()) {
        axis->setTitleFont(scaled(axis->titleFont(), k));
        axis->setLabelsFont(scaled(axis->labelsFont(), k));
        axis->setLabelsColor(on ? QColor(Qt::black) : QColor(0x40, 0x40, 0x40));
        axis->setTitleBrush(on ? QColor(Qt::black) : QColor(0x40, 0x40, 0x40));
        axis->setGridLineColor(on ? QColor(0xB0, 0xB0, 0xB0) : QColor(0xE4, 0xE4, 0xE4));
    }
    for (QAbstractSeries* s : chart->series()) {
        if (auto* line = qobject_cast<QLineSeries*>(s)) {
            QPen pen = line->pen();
            pen.setWidthF(pen.widthF() * k);
            line->setPen(pen);
        }
    }
}

}  // namespace

void set_charts_presenter(QWidget* root, bool on) {
    for (QChartView* view : root->findChildren<QChartView*>()) {
        QChart* chart = view->chart();
        if (!chart || chart->property(kFlag).toBool() == on) continue;
        scale_chart(chart, on ? kPresenterScale : 1.0 / kPresenterScale, on);
        chart->setProperty(kFlag, on);
    }
}

double presenter_pen_width(const QChart* chart, double normal_width) {
    return chart && chart->property(kFlag).toBool() ? normal_width * kPresenterScale : normal_width;
}

bool charts_in_presenter_style(QWidget* root) {
    const auto views = root->findChildren<QChartView*>();
    for (QChartView* view : views)
        if (!view->chart() || !view->chart()->property(kFlag).toBool()) return false;
    return !views.isEmpty();
}

}  // namespace batchscope::ui
