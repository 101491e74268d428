#include "epoch_table_model.h"

#include "run_text.h"

namespace batchscope::ui {

void EpochTableModel::setEpochs(const std::vector<engine::EpochRecord>& epochs) {
    const auto same = [](const engine::EpochRecord& a, const engine::EpochRecord& b) {
        return a.epoch == b.epoch && a.train_loss == b.train_loss && a.test_accuracy == b.test_accuracy;
    };
    if (epochs.size() == epochs_.size() && (epochs.empty() || same(epochs.back(), epochs_.back())))
        return;
    beginResetModel();
    epochs_ = epochs;
    endResetModel();
}

int EpochTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(epochs_.size());
}

int EpochTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EpochTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const engine::EpochRecord& e = epochs_[static_cast<size_t>(index.row())];
    if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    const double wall = static_cast<double>(e.mean_breakdown.wall_ns);
    switch (index.column()) {
        case Epoch: return e.epoch;
        case Loss: return QString::number(e.train_loss, 'f', 3);
        case Accuracy: {
            const auto acc = accuracy_percent(e);
            return acc ? QStringLiteral("%1%").arg(*acc, 0, 'f', 1) : QStringLiteral("\u2013");
        }
        case SamplesPerSecond: return QString::fromStdString(group_thousands(e.samples_per_s));
        case DataWait:
            return wall > 0 ? QStringLiteral("%1%").arg(static_cast<double>(e.mean_breakdown.data_wait_ns) / wall * 100,
                                                        0, 'f', 0)
                            : QStringLiteral("\u2013");
        default: return {};
    }
}

QVariant EpochTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case Epoch: return tr("Epoch");
            case Loss: return tr("Mean training loss over the epoch's samples");
            case Accuracy: return tr("Accuracy on the test set after the epoch");
            case SamplesPerSecond: return tr("Training samples per second (evaluation excluded)");
            case DataWait: return tr("Share of iteration time spent waiting for data (exposed loading)");
            default: return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case Epoch: return tr("#");
        case Loss: return tr("Loss");
        case Accuracy: return tr("Test acc");
        case SamplesPerSecond: return tr("Samples/s");
        case DataWait: return tr("Wait");
        default: return {};
    }
}

}  // namespace batchscope::ui
