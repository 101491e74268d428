#pragma once
// The Inference tab's GPU view: how the stream's h2d, compute and d2h are timed (CUPTI records of
// each batch, or CUDA events and why not CUPTI), the device and CUPTI's counts, and the stream's
// kernel and copy tables (the CUPTI collector's rows); each table, when empty, says why.
#include <QWidget>

#include "batchscope/engine/infer/infer_snapshot.h"

class QLabel;
class QStackedWidget;
class QTableView;

namespace batchscope::ui {

class KernelTableModel;
class CopyTableModel;

// The summary line of a stream's GPU side ("CPU backend: ..." for a CPU service).
QString infer_gpu_summary(const engine::infer::InferResult& r);

class InferGpuView : public QWidget {
    Q_OBJECT
public:
    explicit InferGpuView(QWidget* parent = nullptr);
    void showResult(const engine::infer::InferResult& r);  // a snapshot's totals

    // For tests: what is shown.
    QString summaryText() const;
    QString kernelEmptyText() const;  // empty while the table shows
    QString copyEmptyText() const;
    KernelTableModel* kernelModel() const { return kernels_; }
    CopyTableModel* copyModel() const { return copies_; }

private:
    QLabel* summary_;
    KernelTableModel* kernels_;
    CopyTableModel* copies_;
    QTableView *kernel_view_, *copy_view_;
    QLabel *kernel_empty_, *copy_empty_;
    QStackedWidget *kernel_stack_, *copy_stack_;
};

}  // namespace batchscope::ui
