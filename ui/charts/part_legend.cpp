#include "charts/part_legend.h"

#include <QChart>
#include <QCursor>
#include <QLegend>
#include <QLegendMarker>
#include <QToolTip>

#include "phase_style.h"

namespace batchscope::ui {

void explain_parts_on_hover(QChart* chart, QAbstractSeries* series, QObject* context) {
    const auto markers = chart->legend()->markers(series);
    for (qsizetype i = 0; i < markers.size() && i < kPartCount; ++i) {
        const Part p = kParts[static_cast<size_t>(i)];
        QObject::connect(markers[i], &QLegendMarker::hovered, context, [p](bool on) {
            if (on)
                QToolTip::showText(QCursor::pos(),
                                   QStringLiteral("<b>%1</b><br>%2").arg(part_label(p), part_explanation(p)));
            else
                QToolTip::hideText();
        });
    }
}

}  // namespace batchscope::ui
