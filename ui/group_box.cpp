#include "group_box.h"

#include <QGroupBox>
#include <QVBoxLayout>

namespace batchscope::ui {

QGroupBox* group(const QString& title, QWidget* content) {
    auto* box = new QGroupBox(title);
    auto* layout = new QVBoxLayout(box);
    layout->addWidget(content);
    return box;
}

}  // namespace batchscope::ui
