#pragma once
// The saved sessions as a table: id, name, mode, model, dataset, storage, created, state,
// iterations or requests, tags, note. Replaced whole from a finished list job.
#include <QAbstractTableModel>
#include <vector>

#include "batchscope/store/records.h"

namespace batchscope::ui {

class SessionTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id = 0, Name, Mode, Model, Dataset, Storage, Created, State, Rows, Tags, Note, ColumnCount };

    explicit SessionTableModel(QObject* parent = nullptr);

    void setSessions(std::vector<store::SessionInfo> sessions);
    const std::vector<store::SessionInfo>& sessions() const { return sessions_; }
    int64_t idAt(int row) const;
    int rowOf(int64_t id) const;  // -1 when not listed

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<store::SessionInfo> sessions_;
};

}  // namespace batchscope::ui
