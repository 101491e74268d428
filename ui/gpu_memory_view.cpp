#include "gpu_memory_view.h"

#include "group_box.h"

#include <QGroupBox>
#include <QLabel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "device_table_view.h"
#include "device_tables.h"
#include "memory_view.h"

namespace batchscope::ui {

namespace {

bool is_gpu_run(const engine::RunSnapshot& s) {
    return !s.device.name.empty() || s.gpu_timing.mode != profiler::GpuTimingMode::None;
}

}  // namespace

QString device_table_reason(const engine::RunSnapshot& s, const QString& what, bool has_rows) {
    if (has_rows) return {};
    if (!is_gpu_run(s))
        return what == QLatin1String("kernels") ? QObject::tr("CPU backend: no GPU kernels")
                                                : QObject::tr("CPU backend: no GPU copies");
    if (s.gpu_timing.mode != profiler::GpuTimingMode::Cupti)
        return QObject::tr("No %1 table: it needs CUPTI activity records.\n%2")
            .arg(what, QString::fromStdString(s.gpu_timing.describe()));
    return QObject::tr("No %1 recorded yet").arg(what);
}

QString device_summary(const engine::RunSnapshot& s) {
    if (!is_gpu_run(s)) return QObject::tr("CPU backend: the run uses no GPU; memory below is the host's.");
    QString line = QObject::tr("Device: %1 \u00b7 %2")
                       .arg(s.device.name.empty() ? QObject::tr("(unnamed)") : QString::fromStdString(s.device.name),
                            QString::fromStdString(s.gpu_timing.describe()));
    if (s.gpu_timing.mode == profiler::GpuTimingMode::Cupti)
        line += QObject::tr(" \u00b7 %1 CUPTI records, %2 dropped, %3 with bad timestamps, %4 without an iteration id")
                    .arg(static_cast<qulonglong>(s.device.cupti_records))
                    .arg(static_cast<qulonglong>(s.device.cupti_dropped))
                    .arg(static_cast<qulonglong>(s.device.cupti_bad_timestamps))
                    .arg(static_cast<qulonglong>(s.device.cupti_unjoined));
    if (s.device.host_staging_bytes > 0)  // training: batches copied into the model's page-locked slots on the host
        line += QObject::tr("\nBatches copied on the host before their upload: %1 (%2)")
                    .arg(format_bytes(s.device.host_staging_bytes),
                         s.pinned_memory ? QObject::tr("pageable batches: 8-bit batches on a model without a device collate")
                                         : QObject::tr("pinned memory is off, so each pageable batch is copied into "
                                                       "a page-locked slot first"));
    if (const std::string note = engine::unattributed_note(s.device); !note.empty())
        line += QStringLiteral("\n") + QString::fromStdString(note);
    return line;
}

GpuMemoryView::GpuMemoryView(QWidget* parent)
    : QWidget(parent),
      summary_(new QLabel),
      memory_(new MemoryView),
      kernels_(new KernelTableModel(this)),
      copies_(new CopyTableModel(this)),
      kernel_view_(make_device_table(kernels_, KernelTableModel::TotalMs, this,
                              tr("GPU kernels of this run grouped by name (CUPTI). Click a header to sort."))),
      copy_view_(make_device_table(copies_, CopyTableModel::TotalMs, this,
                            tr("GPU copies grouped by direction and host memory kind, with the achieved bandwidth "
                               "(CUPTI). Pageable host memory is slower than pinned."))),
      kernel_empty_(new QLabel),
      copy_empty_(new QLabel),
      split_(new QSplitter(Qt::Horizontal)) {
    kernel_stack_ = table_or_reason(kernel_view_, kernel_empty_);
    copy_stack_ = table_or_reason(copy_view_, copy_empty_);
    summary_->setWordWrap(true);
    QSplitter* tables = kernel_copy_tables(kernel_stack_, copy_stack_);
    split_->addWidget(group(tr("Memory"), memory_));
    split_->addWidget(tables);
    split_->setStretchFactor(0, 2);
    split_->setStretchFactor(1, 3);
    split_->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(summary_);
    layout->addWidget(split_, 1);
    clear();
}

void GpuMemoryView::clear() {
    kernels_->setRows({});
    copies_->setRows({});
    summary_->setText(tr("No run yet \u2014 press Start (Ctrl+R)"));
    kernel_empty_->setText(tr("No run yet"));
    copy_empty_->setText(tr("No run yet"));
    kernel_stack_->setCurrentWidget(kernel_empty_);
    copy_stack_->setCurrentWidget(copy_empty_);
}

void GpuMemoryView::showSnapshot(const engine::RunSnapshot& s) {
    memory_->showSnapshot(s);
    kernels_->setRows(s.device.kernels);
    copies_->setRows(s.device.copies);
    const QString summary = device_summary(s);
    if (summary != summary_->text()) summary_->setText(summary);
    const QString k = device_table_reason(s, QStringLiteral("kernels"), !s.device.kernels.empty());
    const QString c = device_table_reason(s, QStringLiteral("copies"), !s.device.copies.empty());
    if (k != kernel_empty_->text()) kernel_empty_->setText(k);
    if (c != copy_empty_->text()) copy_empty_->setText(c);
    kernel_stack_->setCurrentWidget(k.isEmpty() ? static_cast<QWidget*>(kernel_view_) : kernel_empty_);
    copy_stack_->setCurrentWidget(c.isEmpty() ? static_cast<QWidget*>(copy_view_) : copy_empty_);
}

QString GpuMemoryView::kernelEmptyText() const {
    return kernel_stack_->currentWidget() == kernel_empty_ ? kernel_empty_->text() : QString();
}
QString GpuMemoryView::copyEmptyText() const {
    return copy_stack_->currentWidget() == copy_empty_ ? copy_empty_->text() : QString();
}
QString GpuMemoryView::summaryText() const { return summary_->text(); }

}  // namespace batchscope::ui
