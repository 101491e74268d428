#pragma once
// The "GPU & memory" sub-tab of the Live tab: the run's memory (host buffers; device memory on
// GPU runs) beside the CUPTI kernel and copy tables, which say why they are empty (CPU backend,
// CUPTI not collecting, nothing recorded yet).
#include <QString>
#include <QWidget>

#include "batchscope/engine/run_snapshot.h"

class QLabel;
class QSplitter;
class QStackedWidget;
class QTableView;
class QSortFilterProxyModel;

namespace batchscope::ui {

class CopyTableModel;
class KernelTableModel;
class MemoryView;

// Why a device table has no rows; empty when it has some. `what` is "kernels" or "copies".
QString device_table_reason(const engine::RunSnapshot& s, const QString& what, bool has_rows);
// One line on the device, how its work is timed and CUPTI's record counts; then, on a training run
// that copied batches on the host before their upload (host_staging_bytes), how much and why.
QString device_summary(const engine::RunSnapshot& s);

class GpuMemoryView : public QWidget {
    Q_OBJECT
public:
    explicit GpuMemoryView(QWidget* parent = nullptr);

    void showSnapshot(const engine::RunSnapshot& s);
    void clear();

    MemoryView* memory() const { return memory_; }
    KernelTableModel* kernelModel() const { return kernels_; }
    CopyTableModel* copyModel() const { return copies_; }
    QTableView* kernelTable() const { return kernel_view_; }
    QTableView* copyTable() const { return copy_view_; }
    QString kernelEmptyText() const;  // shown instead of the table; empty while the table shows
    QString copyEmptyText() const;
    QString summaryText() const;
    QSplitter* splitter() const { return split_; }

private:
    QLabel* summary_;
    MemoryView* memory_;
    KernelTableModel* kernels_;
    CopyTableModel* copies_;
    QTableView* kernel_view_;
    QTableView* copy_view_;
    QStackedWidget* kernel_stack_;
    QStackedWidget* copy_stack_;
    QLabel* kernel_empty_;
    QLabel* copy_empty_;
    QSplitter* split_;
};

}  // namespace batchscope::ui
