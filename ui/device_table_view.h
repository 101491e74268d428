#pragma once
// The views the kernel and copy tables (device_tables.h) are shown in, shared by the training run's
// GPU & memory tab and the Inference tab's GPU view: a sortable table, and a stack that shows it
// or, when it has no rows, the reason in grey.
#include <QAbstractTableModel>
#include <QLabel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>

namespace batchscope::ui {

// A read-only table over `model` through a proxy sorted by kSortRole, sorted on `sort_column`
// (largest first); the proxy is owned by `owner`.
QTableView* make_device_table(QAbstractTableModel* model, int sort_column, QObject* owner, const QString& tip);
// `table` (index 0) and `empty` (index 1, styled as a grey, centred reason).
QStackedWidget* table_or_reason(QTableView* table, QLabel* empty);
// "Kernels" above "Copies", each titled (group_box.h), in a vertical splitter (3 : 2).
QSplitter* kernel_copy_tables(QWidget* kernels, QWidget* copies);

}  // namespace batchscope::ui
