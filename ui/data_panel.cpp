#include "data_panel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>

#include "batchscope/engine/data/storage_profile.h"

namespace batchscope::ui {

namespace data = engine::data;

DataPanel::DataPanel(const engine::TrainConfig& initial, QWidget* parent)
    : QWidget(parent), dataset_(new QComboBox), folder_(new QLineEdit), browse_(new QPushButton(tr("Browse\u2026"))),
      storage_(new QComboBox) {
    dataset_->addItem(tr("Fashion-MNIST"), static_cast<int>(engine::DatasetKind::FashionMnist));
    dataset_->addItem(tr("Image folder"), static_cast<int>(engine::DatasetKind::ImageFolder));
    dataset_->setCurrentIndex(initial.dataset == engine::DatasetKind::ImageFolder ? 1 : 0);
    dataset_->setToolTip(tr("What to train on. Fashion-MNIST: 70 000 28x28 grey images (Debian's package);\n"
                            "an image folder: FOLDER/<class>/*.jpg|png, or FOLDER/train and FOLDER/test.\n"
                            "Used when the next run starts."));
    if (initial.dataset == engine::DatasetKind::ImageFolder)
        folder_->setText(QString::fromStdString(initial.data_dir));
    else
        fashion_dir_ = QString::fromStdString(initial.data_dir);
    folder_->setPlaceholderText(tr("image folder"));
    folder_->setToolTip(tr("The image folder: one sub-folder per class"));
    browse_->setToolTip(tr("Pick the image folder"));
    browse_->setAutoDefault(false);
    connect(browse_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Image folder"), folder_->text());
        if (!dir.isEmpty()) folder_->setText(dir);
    });
    connect(dataset_, &QComboBox::currentIndexChanged, this, &DataPanel::updateFolderRow);

    for (const data::StorageProfile& p : data::storage_profiles()) {
        storage_->addItem(QString::fromUtf8(p.name), static_cast<int>(p.kind));
        storage_->setItemData(storage_->count() - 1, QString::fromUtf8(p.description), Qt::ToolTipRole);
    }
    storage_->setCurrentIndex(storage_->findData(static_cast<int>(initial.storage)));
    storage_->setToolTip(tr("Where the samples are read from. Emulated devices add their modelled latency and\n"
                            "transfer time to every read (not a real device). Applied live."));
    connect(storage_, &QComboBox::currentIndexChanged, this,
            [this](int) { emit storageChanged(storage_->currentData().toInt()); });

    auto* folder_row = new QHBoxLayout;
    folder_row->setContentsMargins(0, 0, 0, 0);
    folder_row->addWidget(folder_, 1);
    folder_row->addWidget(browse_);
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Dataset"), dataset_);
    form->addRow(tr("Folder"), folder_row);
    form->addRow(tr("S&torage"), storage_);
    updateFolderRow();
}

void DataPanel::updateFolderRow() {
    const bool folder = dataset_->currentData().toInt() == static_cast<int>(engine::DatasetKind::ImageFolder);
    folder_->setEnabled(folder && dataset_->isEnabled());
    browse_->setEnabled(folder && dataset_->isEnabled());
}

engine::TrainConfig DataPanel::config(engine::TrainConfig base) const {
    base.dataset = static_cast<engine::DatasetKind>(dataset_->currentData().toInt());
    base.data_dir = base.dataset == engine::DatasetKind::ImageFolder ? folder_->text().trimmed().toStdString()
                                                                     : fashion_dir_.toStdString();
    base.storage = static_cast<data::StorageKind>(storage_->currentData().toInt());
    return base;
}

QString DataPanel::problem() const {
    if (dataset_->currentData().toInt() != static_cast<int>(engine::DatasetKind::ImageFolder)) return {};
    const QString dir = folder_->text().trimmed();
    if (dir.isEmpty()) return tr("Pick an image folder (Browse\u2026) or choose Fashion-MNIST");
    if (!QFileInfo(dir).isDir()) return tr("%1 is not a folder: pick the image folder (Browse\u2026)").arg(dir);
    return {};
}

void DataPanel::setRunState(std::optional<engine::RunState> state) {
    const bool active = state && (*state == engine::RunState::Idle || *state == engine::RunState::Loading ||
                                  *state == engine::RunState::Running || *state == engine::RunState::Paused);
    if (shown_active_ == active) return;  // called every frame
    shown_active_ = active;
    dataset_->setEnabled(!active);
    updateFolderRow();
}

void DataPanel::showStorage(int kind) {
    const QSignalBlocker block(storage_);
    storage_->setCurrentIndex(storage_->findData(kind));
}

}  // namespace batchscope::ui
