#include "session_table_model.h"

#include <QColor>
#include <QStringList>

namespace batchscope::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

SessionTableModel::SessionTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void SessionTableModel::setSessions(std::vector<store::SessionInfo> sessions) {
    beginResetModel();
    sessions_ = std::move(sessions);
    endResetModel();
}

int64_t SessionTableModel::idAt(int row) const {
    return row >= 0 && row < rowCount() ? sessions_[static_cast<size_t>(row)].id : 0;
}

int SessionTableModel::rowOf(int64_t id) const {
    for (size_t i = 0; i < sessions_.size(); ++i)
        if (sessions_[i].id == id) return static_cast<int>(i);
    return -1;
}

int SessionTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(sessions_.size());
}

int SessionTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SessionTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const store::SessionInfo& s = sessions_[static_cast<size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Id: return QVariant::fromValue<qlonglong>(s.id);
            case Name: return q(s.name);
            case Mode: return q(s.mode);
            case Model: return q(s.model);
            case Dataset: return q(s.dataset);
            case Storage: return q(s.storage);
            case Created: return q(s.created_at).replace(QLatin1Char('T'), QLatin1Char(' '));
            case State: return q(s.state);
            case Rows:
                return s.mode == "infer" ? tr("%1 requests").arg(s.requests) : tr("%1 iterations").arg(s.iterations);
            case Tags: {
                QStringList tags;
                for (const auto& t : s.tags) tags << q(t);
                return tags.join(QStringLiteral(", "));
            }
            case Note: return q(s.note);
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Storage && s.emulated)
            return tr("Emulated: the storage timing is modelled, not measured on a real device.");
        if (index.column() == State && !s.message.empty()) return q(s.message);
        if (index.column() == Note) return q(s.note);
        if (s.dropped_records > 0)
            return tr("%1 rows were dropped while recording (the writer could not keep up)").arg(s.dropped_records);
    }
    if (role == Qt::ForegroundRole && index.column() == State &&
        (s.state == "failed" || s.state == "interrupted"))
        return QColor(0xB0, 0x00, 0x20);
    return {};
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[ColumnCount] = {"Id", "Name", "Mode", "Model", "Dataset", "Storage",
                                             "Created (UTC)", "State", "Recorded", "Tags", "Note"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

}  // namespace batchscope::ui
