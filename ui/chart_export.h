#pragma once
// Any chart (any widget) saved as PNG or SVG, chosen by the file's suffix, and a context menu
// on charts that offers it.
#include <QString>

class QWidget;

namespace batchscope::ui {

// Empty when written; otherwise what went wrong and what to do.
QString save_chart(QWidget* chart, const QString& file);

// Right-click on `chart`: "Save chart as PNG…", "Save chart as SVG…" (file dialog; errors in a
// message box). `name` is the suggested file name without suffix.
void add_chart_save_menu(QWidget* chart, const QString& name);

}  // namespace batchscope::ui
