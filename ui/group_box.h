#pragma once
// A titled group box around one widget (the side panel's and the GPU & memory view's sections).
#include <QString>

class QGroupBox;
class QWidget;

namespace batchscope::ui {

QGroupBox* group(const QString& title, QWidget* content);

}  // namespace batchscope::ui
