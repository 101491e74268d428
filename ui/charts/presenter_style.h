#pragma once
// Presenter mode for every chart under a widget: larger title, legend and axis fonts, black
// text, thicker lines. Idempotent per chart (a chart is scaled once, and restored once).
class QWidget;

namespace batchscope::ui {

inline constexpr double kPresenterScale = 1.5;

void set_charts_presenter(QWidget* root, bool on);
// Whether the chart views under `root` are all in presenter style (tests).
bool charts_in_presenter_style(QWidget* root);

}  // namespace batchscope::ui
