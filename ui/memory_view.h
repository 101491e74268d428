#pragma once
// Memory of a training run: the host buffers (weights, gradients, optimizer state, activations,
// workspace, batch buffers) as a stacked bar and a table, and on GPU runs the device's memory
// (held by this run, free, total) as the backend last sampled it.
#include <QAbstractTableModel>
#include <QWidget>
#include <array>

#include "batchscope/engine/run_snapshot.h"

class QLabel;
class QTableView;

namespace batchscope::ui {

inline constexpr int kMemoryParts = 6;
QString memory_part_label(int part);       // "Weights", ...
int64_t memory_part_bytes(const engine::MemoryUse& m, int part);
QString format_bytes(int64_t bytes);       // "12.3 MiB"

class MemoryTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { What = 0, Size, Share, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    // Host rows (the six parts and their total), then device rows on GPU runs.
    void setSnapshot(const engine::MemoryUse& host, const engine::DeviceView& device);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Row {
        QString what, tip;
        int64_t bytes = 0;
        double share = -1;  // of the host total / device total; < 0: none
    };
    std::vector<Row> rows_;
    engine::MemoryUse host_{};
    int64_t dev_run_ = -1, dev_free_ = -1, dev_total_ = -1;
};

// One horizontal bar of the host parts, in proportion, with a legend below.
class MemoryBar : public QWidget {
    Q_OBJECT
public:
    explicit MemoryBar(QWidget* parent = nullptr);
    void setMemory(const engine::MemoryUse& m);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    engine::MemoryUse m_{};
};

class MemoryView : public QWidget {
    Q_OBJECT
public:
    explicit MemoryView(QWidget* parent = nullptr);
    void showSnapshot(const engine::RunSnapshot& s);
    MemoryTableModel* model() const { return model_; }
    QTableView* table() const { return table_; }

private:
    MemoryBar* bar_;
    MemoryTableModel* model_;
    QTableView* table_;
};

}  // namespace batchscope::ui
