#pragma once
// The backend list shared by the training and serving controls: "CPU (OpenBLAS)" (data "cpu")
// and "GPU (CUDA)" (data "cuda"). The GPU entry is enabled only when the probe found a usable
// GPU, and its tooltip says why not; a saved "cuda" stays selected (the run then says why it
// fails: never a silent CPU run).
#include <QString>

class QComboBox;
class QWidget;

namespace batchscope::ui {

QComboBox* make_backend_combo(const QString& what_for, QWidget* parent = nullptr);
void set_gpu_availability(QComboBox* backend, bool usable, const QString& why);

}  // namespace batchscope::ui
