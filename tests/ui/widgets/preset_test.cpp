// Workshop presets in the window: the picker lists the built-in lessons with their
// explanation; loading one restarts the run with its settings; "Next step" makes the lesson's
// live change (recorded by the engine) or restarts with the changed settings.
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <QStandardItemModel>

#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/preset.h"
#include "batchscope/engine/training_run.h"
#include "control_panel.h"
#include "main_window.h"
#include "preset_panel.h"

using namespace batchscope;
using namespace batchscope::ui;

namespace {
engine::TrainConfig small_run() {
    engine::TrainConfig c;
    c.train_limit = 3000;
    c.test_limit = 500;
    return c;
}
bool has_change(const MainWindow& w, const std::string& knob, int64_t value) {
    if (!w.run()) return false;
    for (const auto& k : w.run()->snapshot()->knob_changes)
        if (k.knob == knob && k.new_value == value) return true;
    return false;
}
}  // namespace

class PresetTest : public QObject {
    Q_OBJECT
private slots:
    void pickerListsTheLessons() {
        PresetPanel panel;
        QCOMPARE(panel.presetCombo()->count(), static_cast<int>(engine::builtin_presets().size()));
        QVERIFY(panel.presetCombo()->count() >= 5);
        QVERIFY(panel.explanationLabel()->text().contains(QString::fromStdString(engine::builtin_presets()[0].title).toHtmlEscaped()));
        QCOMPARE(panel.stepList()->count(), static_cast<int>(engine::builtin_presets()[0].steps.size() +
                                                             (engine::builtin_presets()[0].start_expect.empty() ? 0 : 1)));
        QVERIFY(!panel.nextButton()->isEnabled());  // nothing loaded yet
    }

    void liveStepsReachTheRun() {
        MainWindow w(small_run());
        w.setRememberSettings(false);
        w.show();
        const engine::Preset* p = engine::find_preset("2");
        QVERIFY(p && p->mode == engine::PresetMode::Train);
        w.presetPanel()->presetCombo()->setCurrentIndex(w.presetPanel()->presetCombo()->findData(QString::fromStdString(p->id)));
        w.presetPanel()->loadButton()->click();
        QVERIFY(w.workshopDock()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(w.run() && w.run()->snapshot()->iterations_done >= 2, 30'000);
        auto s = w.run()->snapshot();
        QCOMPARE(s->prefetch_depth, 0);  // the preset's settings, not the window's
        QCOMPARE(w.prefetchSpin()->value(), 0);
        QVERIFY(QString::fromStdString(s->storage).contains(QStringLiteral("emulated")));
        QVERIFY(w.presetPanel()->nextButton()->isEnabled());

        const engine::PresetStep& first = p->steps[0];
        w.presetPanel()->nextButton()->click();
        const auto v = static_cast<int64_t>(engine::live_knob_value(first, p->mode));
        QTRY_VERIFY_WITH_TIMEOUT(has_change(w, std::string(knobs::info(*first.knob).name), v), 15'000);
        QCOMPARE(w.presetPanel()->nextStep(), 1);
        w.stopRun();
    }

    void restartStepsStartANewRun() {
        MainWindow w(small_run());
        w.setRememberSettings(false);
        const engine::Preset* p = engine::find_preset("5");
        QVERIFY(p && !p->steps.empty() && p->steps[0].is_restart());
        QVERIFY(w.loadPreset(p));
        QTRY_VERIFY_WITH_TIMEOUT(w.run() && w.run()->snapshot()->iterations_done >= 1, 60'000);
        const engine::TrainingRun* first = w.run();
        QVERIFY(first->config().shuffle);
        QVERIFY(w.nextPresetStep());
        QVERIFY(!w.run()->config().shuffle);  // (not a pointer compare: a new run may reuse the old one's address)
        QCOMPARE(w.run()->config().storage, first->config().storage);
        w.stopRun();
    }

    // Lesson 6 restarts with other models: the model reaches the run and the control panel.
    void restartStepsChangeTheModel() {
        MainWindow w(small_run());
        w.setRememberSettings(false);
        const engine::Preset* p = engine::find_preset("6");
        QVERIFY(p && p->steps.size() >= 3);
        QVERIFY(w.loadPreset(p));
        QTRY_VERIFY_WITH_TIMEOUT(w.run() && w.run()->snapshot()->iterations_done >= 1, 60'000);
        QCOMPARE(QString::fromStdString(w.run()->snapshot()->model_spec), QStringLiteral("logreg"));
        QCOMPARE(w.controls()->modelCombo()->currentText(), QStringLiteral("logreg"));
        QVERIFY(w.nextPresetStep());
        QCOMPARE(QString::fromStdString(w.run()->config().model), QStringLiteral("svm"));
        QCOMPARE(w.controls()->modelCombo()->currentText(), QStringLiteral("svm"));
        QTRY_VERIFY_WITH_TIMEOUT(w.run()->snapshot()->iterations_done >= 1, 60'000);
        QVERIFY(QString::fromStdString(w.run()->snapshot()->model).contains(QStringLiteral("SVM"), Qt::CaseInsensitive));
        w.stopRun();
    }

    // The model, optimizer and learning rate of the control panel start the next run; a model
    // spec that cannot be built is refused before anything starts.
    void modelControlsReachTheRun() {
        engine::TrainConfig cfg = small_run();
        cfg.epochs = 200;  // still running when the controls are checked
        MainWindow w(cfg);
        w.setRememberSettings(false);
        ControlPanel* c = w.controls();
        c->modelCombo()->setEditText(QStringLiteral("mlp:0"));
        w.startRun();
        QVERIFY(!w.run());
        QVERIFY(c->refusalLabel()->text().contains(QStringLiteral("model")));
        c->modelCombo()->setEditText(QStringLiteral("mlp:64"));
        c->optimizerCombo()->setCurrentIndex(c->optimizerCombo()->findData(QStringLiteral("adam")));
        c->learningRateSpin()->setValue(0.002);
        w.startRun();
        QVERIFY(w.run());
        QCOMPARE(QString::fromStdString(w.run()->config().model), QStringLiteral("mlp:64"));
        QCOMPARE(QString::fromStdString(w.run()->config().optimizer), QStringLiteral("adam"));
        QCOMPARE(w.run()->config().learning_rate, 0.002f);
        QCOMPARE(QString::fromStdString(w.run()->config().backend), QStringLiteral("cpu"));
        QTRY_VERIFY_WITH_TIMEOUT(w.run()->snapshot()->iterations_done >= 1, 60'000);
        QCOMPARE(QString::fromStdString(w.run()->snapshot()->model_spec).left(6), QStringLiteral("mlp:64"));
        QTRY_VERIFY_WITH_TIMEOUT(!c->modelCombo()->isEnabled(), 5000);  // fixed while the run goes on
        w.stopRun();
    }

    // Asking for the GPU where there is none fails the run with the reason: never a silent CPU run.
    void gpuBackendWithoutAGpuFailsSayingWhy() {
        if (engine::probe_gpu().usable) QSKIP("a GPU is usable here");
        engine::TrainConfig c = small_run();
        c.backend = "cuda";
        MainWindow w(c);
        w.setRememberSettings(false);
        QCOMPARE(w.controls()->backendCombo()->currentData().toString(), QStringLiteral("cuda"));
        w.startRun();
        QVERIFY(w.run());
        QTRY_COMPARE_WITH_TIMEOUT(w.run()->snapshot()->state, engine::RunState::Failed, 30'000);
        QVERIFY(QString::fromStdString(w.run()->snapshot()->message).contains(QStringLiteral("GPU")));
        QTRY_VERIFY_WITH_TIMEOUT(w.failureText().contains(QStringLiteral("GPU")), 2000);
    }

    // Without a usable GPU the GPU entry is disabled and says why.
    void gpuEntryFollowsTheProbe() {
        ControlPanel c{engine::TrainConfig{}};
        c.setGpuAvailability(false, QStringLiteral("no CUDA driver"));
        auto* items = qobject_cast<QStandardItemModel*>(c.backendCombo()->model());
        QVERIFY(items);
        QVERIFY(!items->item(1)->isEnabled());
        QVERIFY(items->item(1)->toolTip().contains(QStringLiteral("no CUDA driver")));
        c.setGpuAvailability(true, {});
        QVERIFY(items->item(1)->isEnabled());
    }
};

int run_preset_tests(int argc, char** argv) {
    PresetTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "preset_test.moc"
