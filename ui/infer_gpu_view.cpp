#include "infer_gpu_view.h"

#include <QGroupBox>
#include <QLabel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "device_table_view.h"
#include "device_tables.h"

namespace batchscope::ui {
namespace {

using engine::infer::InferResult;

bool on_gpu(const InferResult& r) { return !r.device.name.empty() || r.gpu_timing.mode != profiler::GpuTimingMode::None; }

QString table_reason(const InferResult& r, const QString& what, bool has_rows) {
    if (has_rows) return {};
    if (!on_gpu(r)) return QObject::tr("CPU backend: no GPU %1").arg(what);
    if (r.gpu_timing.mode != profiler::GpuTimingMode::Cupti)
        return QObject::tr("No %1 table: it needs CUPTI activity records.\n%2")
            .arg(what, QString::fromStdString(r.gpu_timing.describe()));
    return QObject::tr("No %1 recorded yet").arg(what);
}

}  // namespace

QString infer_gpu_summary(const InferResult& r) {
    const QString timing = QString::fromStdString(r.timing);
    if (!on_gpu(r))
        return timing.isEmpty() ? QObject::tr("CPU backend: no GPU work.")
                                : QObject::tr("CPU backend: no GPU work; %1.").arg(timing);
    QString line = QObject::tr("Device: %1 \u00b7 %2")
                       .arg(r.device.name.empty() ? QObject::tr("(unnamed)") : QString::fromStdString(r.device.name),
                            timing);
    if (r.gpu_timing.mode == profiler::GpuTimingMode::Cupti)
        line += QObject::tr(" \u00b7 %1 CUPTI records, %2 dropped \u00b7 phases from records: %3 batches, from CUDA "
                            "events: %4")
                    .arg(static_cast<qulonglong>(r.device.cupti_records))
                    .arg(static_cast<qulonglong>(r.device.cupti_dropped))
                    .arg(r.batches_from_records)
                    .arg(r.batches_from_events);
    return line;
}

InferGpuView::InferGpuView(QWidget* parent)
    : QWidget(parent), summary_(new QLabel), kernels_(new KernelTableModel(this)), copies_(new CopyTableModel(this)),
      kernel_view_(make_device_table(kernels_, KernelTableModel::TotalMs, this,
                                     tr("GPU kernels of this stream grouped by name (CUPTI). Click a header to sort."))),
      copy_view_(make_device_table(copies_, CopyTableModel::TotalMs, this,
                                   tr("The stream's copies: each batch's inputs in (HtoD) and logits back (DtoH), "
                                      "with the achieved bandwidth (CUPTI)."))),
      kernel_empty_(new QLabel), copy_empty_(new QLabel) {
    kernel_stack_ = table_or_reason(kernel_view_, kernel_empty_);
    copy_stack_ = table_or_reason(copy_view_, copy_empty_);
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QSplitter* tables = kernel_copy_tables(kernel_stack_, copy_stack_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(summary_);
    layout->addWidget(tables, 1);
    showResult({});
    summary_->setText(tr("Not serving."));
}

void InferGpuView::showResult(const InferResult& r) {
    kernels_->setRows(r.device.kernels);
    copies_->setRows(r.device.copies);
    if (const QString s = infer_gpu_summary(r); s != summary_->text()) summary_->setText(s);
    const QString k = table_reason(r, tr("kernels"), !r.device.kernels.empty());
    const QString c = table_reason(r, tr("copies"), !r.device.copies.empty());
    if (k != kernel_empty_->text()) kernel_empty_->setText(k);
    if (c != copy_empty_->text()) copy_empty_->setText(c);
    kernel_stack_->setCurrentWidget(k.isEmpty() ? static_cast<QWidget*>(kernel_view_) : kernel_empty_);
    copy_stack_->setCurrentWidget(c.isEmpty() ? static_cast<QWidget*>(copy_view_) : copy_empty_);
}

QString InferGpuView::summaryText() const { return summary_->text(); }
QString InferGpuView::kernelEmptyText() const {
    return kernel_stack_->currentWidget() == kernel_empty_ ? kernel_empty_->text() : QString();
}
QString InferGpuView::copyEmptyText() const {
    return copy_stack_->currentWidget() == copy_empty_ ? copy_empty_->text() : QString();
}

}  // namespace batchscope::ui
