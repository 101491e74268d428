#pragma once
// The legend of a chart whose bar sets are the breakdown's parts (in kParts order): hovering a
// colour explains what the part means.
#include <QtGlobal>

class QObject;
QT_BEGIN_NAMESPACE
class QChart;
class QAbstractSeries;
QT_END_NAMESPACE

namespace batchscope::ui {

// `context` owns the connections (the chart's widget).
void explain_parts_on_hover(QChart* chart, QAbstractSeries* series, QObject* context);

}  // namespace batchscope::ui
