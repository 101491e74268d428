#pragma once
// Presenter mode for every chart under a widget: larger title, legend and axis fonts, black
// text, thicker lines. Idempotent per chart (a chart is scaled once, and restored once).
#include <QtGlobal>

class QWidget;
QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace batchscope::ui {

inline constexpr double kPresenterScale = 1.5;

void set_charts_presenter(QWidget* root, bool on);
// Whether the chart views under `root` are all in presenter style (tests).
bool charts_in_presenter_style(QWidget* root);
// Line width for a series added to `chart` after it was put in presenter style (or not).
double presenter_pen_width(const QChart* chart, double normal_width);

}  // namespace batchscope::ui
