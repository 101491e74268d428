#include "backend_combo.h"

#include <QComboBox>
#include <QStandardItemModel>

namespace batchscope::ui {

QComboBox* make_backend_combo(const QString& what_for, QWidget* parent) {
    auto* c = new QComboBox(parent);
    c->addItem(QComboBox::tr("CPU (OpenBLAS)"), QStringLiteral("cpu"));
    c->addItem(QComboBox::tr("GPU (CUDA)"), QStringLiteral("cuda"));
    c->setProperty("what_for", what_for);
    set_gpu_availability(c, false, QComboBox::tr("the GPU probe has not finished yet"));
    return c;
}

void set_gpu_availability(QComboBox* backend, bool usable, const QString& why) {
    const QString what_for = backend->property("what_for").toString();
    auto* items = qobject_cast<QStandardItemModel*>(backend->model());
    if (QStandardItem* gpu = items ? items->item(1) : nullptr) {
        gpu->setEnabled(usable || backend->currentIndex() == 1);
        gpu->setToolTip(usable ? QComboBox::tr("%1 on the GPU through the CUDA plugin").arg(what_for)
                               : QComboBox::tr("No usable GPU: %1").arg(why));
    }
    backend->setToolTip(usable ? QComboBox::tr("Where %1 computes: the CPU or the GPU.").arg(what_for.toLower())
                               : QComboBox::tr("Where %1 computes. GPU unavailable: %2").arg(what_for.toLower(), why));
}

}  // namespace batchscope::ui
