// The data controls on the real engine: an image folder that is not there cannot start a run,
// the storage profile applies live (recorded as a knob change and marked), and emulated
// profiles say so.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>

#include "batchscope/engine/training_run.h"
#include "control_panel.h"
#include "data_panel.h"
#include "main_window.h"
#include "run_text.h"

using namespace batchscope;
using namespace batchscope::ui;
namespace data = batchscope::engine::data;

namespace {
engine::TrainConfig small_run() {
    engine::TrainConfig c;
    c.train_limit = 3000;
    c.test_limit = 500;
    c.epochs = 50;
    return c;
}
}  // namespace

class DataPanelTest : public QObject {
    Q_OBJECT
private slots:
    void emulatedProfilesSaySo() {
        DataPanel p(small_run());
        QCOMPARE(p.storageCombo()->count(), data::kStorageKindCount);
        for (int i = 0; i < p.storageCombo()->count(); ++i) {
            const auto kind = static_cast<data::StorageKind>(p.storageCombo()->itemData(i).toInt());
            QCOMPARE(p.storageCombo()->itemText(i).contains(QStringLiteral("emulated")),
                     data::storage_profile(kind).emulated);
        }
        QCOMPARE(QString::fromStdString(knob_change_label({0, 0, "storage_profile", 0, 4})),
                 QString::fromUtf8("storage page-cache\u2192emulated-hdd"));
    }

    void imageFolderMustExist() {
        MainWindow w(small_run());
        w.setRememberSettings(false);
        DataPanel* p = w.dataPanel();
        QVERIFY(!p->folderEdit()->isEnabled());
        p->datasetCombo()->setCurrentIndex(1);
        QVERIFY(p->folderEdit()->isEnabled() && p->browseButton()->isEnabled());
        w.startRun();
        QVERIFY(!w.run());
        QVERIFY(w.controls()->refusalLabel()->text().contains(QStringLiteral("Pick an image folder")));
        p->folderEdit()->setText(QStringLiteral("/nonexistent/images"));
        w.startRun();
        QVERIFY(!w.run());
        QVERIFY(w.controls()->refusalLabel()->text().contains(QStringLiteral("/nonexistent/images is not a folder")));
        const engine::TrainConfig c = p->config({});
        QCOMPARE(c.dataset, engine::DatasetKind::ImageFolder);
        QCOMPARE(c.data_dir, std::string("/nonexistent/images"));
    }

    void storageProfileAppliesLive() {
        MainWindow w(small_run());
        w.setRememberSettings(false);
        w.show();
        w.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(w.run()->snapshot()->iterations_done >= 3, 30'000);
        QVERIFY(!w.dataPanel()->datasetCombo()->isEnabled());  // not live: fixed while running
        QComboBox* storage = w.dataPanel()->storageCombo();
        QVERIFY(storage->isEnabled());
        storage->setCurrentIndex(storage->findData(static_cast<int>(data::StorageKind::EmulatedNvme)));
        QTRY_VERIFY_WITH_TIMEOUT(w.run()->snapshot()->storage_profile == static_cast<int>(data::StorageKind::EmulatedNvme),
                                 15'000);
        auto s = w.run()->snapshot();
        QVERIFY(QString::fromStdString(s->storage).contains(QStringLiteral("emulated")));
        bool recorded = false;
        for (const auto& k : s->knob_changes)
            recorded = recorded || (k.knob == "storage_profile" && k.old_value == 0 &&
                                    k.new_value == static_cast<int>(data::StorageKind::EmulatedNvme));
        QVERIFY(recorded);
        w.stopRun();
        QTRY_VERIFY_WITH_TIMEOUT(w.run()->snapshot()->state == engine::RunState::Stopped, 15'000);
    }
};

int run_data_panel_tests(int argc, char** argv) {
    DataPanelTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "data_panel_test.moc"
