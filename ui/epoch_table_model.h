#pragma once
// The finished epochs of a run as a table: loss, test accuracy, samples/s and exposed loading
// (data wait share). A thin adapter over the snapshot's immutable epoch records, swapped in
// with a model reset; it never looks at live engine data.
#include <QAbstractTableModel>
#include <vector>

#include "batchscope/engine/run_snapshot.h"

namespace batchscope::ui {

class EpochTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Epoch, Loss, Accuracy, SamplesPerSecond, DataWait, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    // Resets the model when the records differ in number from what is shown (epochs only grow
    // within a run; a new run starts from none).
    void setEpochs(const std::vector<engine::EpochRecord>& epochs);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<engine::EpochRecord> epochs_;
};

}  // namespace batchscope::ui
