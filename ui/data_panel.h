#pragma once
// Where the training samples come from: the dataset (Fashion-MNIST, or an image folder picked
// with a folder dialog), used when the next run starts, and the storage profile the reads go
// through, which applies live. Emulated profiles say "emulated" in their names.
#include <QString>
#include <QWidget>
#include <optional>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/engine/train_config.h"

class QComboBox;
class QLineEdit;
class QPushButton;

namespace batchscope::ui {

class DataPanel : public QWidget {
    Q_OBJECT
public:
    explicit DataPanel(const engine::TrainConfig& initial, QWidget* parent = nullptr);

    // `base` with the dataset, folder and storage shown.
    engine::TrainConfig config(engine::TrainConfig base) const;
    // Empty when a run can start with these choices, else what to fix.
    QString problem() const;
    void setRunState(std::optional<engine::RunState> state);
    void showStorage(int kind);  // without reporting it as a change

    QComboBox* datasetCombo() const { return dataset_; }
    QLineEdit* folderEdit() const { return folder_; }
    QPushButton* browseButton() const { return browse_; }
    QComboBox* storageCombo() const { return storage_; }

signals:
    void storageChanged(int kind);  // engine::data::StorageKind as int

private:
    void updateFolderRow();

    QComboBox* dataset_;
    QLineEdit* folder_;
    QPushButton* browse_;
    QComboBox* storage_;
    QString fashion_dir_;  // data_dir for Fashion-MNIST (empty: Debian's package)
    std::optional<bool> shown_active_;  // setRunState() does nothing while it is unchanged
};

}  // namespace batchscope::ui
