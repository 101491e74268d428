#pragma once
// The GPU kernel and copy tables of a run (profiler::KernelRow / CopyRow, as the CUPTI
// collector grouped them), as sortable Qt models: DisplayRole for text, kSortRole for numbers.
#include <QAbstractTableModel>
#include <vector>

#include "batchscope/profiler/gpu_activity.h"

namespace batchscope::ui {

inline constexpr int kSortRole = Qt::UserRole + 1;

class KernelTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name = 0, Calls, TotalMs, MeanUs, MaxUs, Share, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setRows(const std::vector<profiler::KernelRow>& rows);  // no reset when unchanged
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<profiler::KernelRow> rows_;
    int64_t total_ns_ = 0;
};

class CopyTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Direction = 0, HostMemory, Calls, MiB, TotalMs, GBps, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setRows(const std::vector<profiler::CopyRow>& rows);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<profiler::CopyRow> rows_;
};

}  // namespace batchscope::ui
