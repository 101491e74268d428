// The window against the real engine and the real Fashion-MNIST: knob changes reach the run,
// pause/resume/stop work, and a failing run shows its message instead of crashing.
#include "batchscope/store/session_store.h"
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <algorithm>
#include <memory>

#include "batchscope/engine/training_run.h"
#include "charts/time_series_chart.h"
#include "live_views.h"
#include "main_window.h"
#include "run_status_panel.h"

using namespace batchscope;
using batchscope::engine::RunState;
using batchscope::ui::MainWindow;

namespace {

constexpr int kStartTimeoutMs = 30'000;
constexpr int kApplyTimeoutMs = 15'000;

// Small but real: ~24 iterations per epoch, and enough epochs that the run outlives the test.
engine::TrainConfig test_config() {
    engine::TrainConfig c;
    c.train_limit = 3000;
    c.test_limit = 1000;
    c.epochs = 50;
    c.batch_size = 128;
    c.prefetch_depth = 2;
    c.workers = 2;
    return c;
}

std::shared_ptr<const engine::RunSnapshot> snap(const MainWindow& w) {
    return w.run() ? w.run()->snapshot() : nullptr;
}

RunState state(const MainWindow& w) {
    auto s = snap(w);
    return s ? s->state : RunState::Idle;
}

bool running_for(const MainWindow& w, int64_t iterations) {
    auto s = snap(w);
    return s && s->state == RunState::Running && s->iterations_done >= iterations;
}

const engine::KnobChange* find_change(const engine::RunSnapshot& s, const std::string& knob, int64_t value) {
    for (const auto& k : s.knob_changes)
        if (k.knob == knob && k.new_value == value) return &k;
    return nullptr;
}

// A record that ran with the new batch size after the change (a smaller last batch of an
// epoch does not count: it has fewer samples than asked for).
bool batch_applied(const MainWindow& w, int batch) {
    auto s = snap(w);
    if (!s || s->batch_size != batch) return false;
    const engine::KnobChange* k = find_change(*s, "batch_size", batch);
    if (!k) return false;
    return std::any_of(s->recent.begin(), s->recent.end(), [&](const engine::IterationRecord& r) {
        return r.iteration >= k->iteration && r.batch_size == batch;
    });
}

bool stop_and_wait(MainWindow& w) {
    w.stopRun();
    return QTest::qWaitFor([&] {
        const RunState s = state(w);
        return s == RunState::Stopped || s == RunState::Finished;
    }, kStartTimeoutMs);
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT
private slots:
    void batchSizeTypedIntoSpinBoxReachesTheRun() {
        MainWindow w(test_config());
        w.show();
        w.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(running_for(w, 3), kStartTimeoutMs);

        // Typed as a user would: select all, "64", Enter. Keyboard tracking is off, so the
        // run must see 64 only, never 6.
        QSpinBox* spin = w.batchSpin();
        spin->setFocus();
        QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(spin, QStringLiteral("64"));
        QTest::keyClick(spin, Qt::Key_Return);
        QCOMPARE(spin->value(), 64);
        QTRY_VERIFY_WITH_TIMEOUT(batch_applied(w, 64), kApplyTimeoutMs);

        auto s = snap(w);
        const engine::KnobChange* k = find_change(*s, "batch_size", 64);
        QVERIFY(k);
        QCOMPARE(k->old_value, int64_t(128));
        QVERIFY(!find_change(*s, "batch_size", 6));
        for (const auto& r : s->recent) {
            if (r.iteration >= k->iteration)
                QVERIFY2(r.batch_size <= 64, qPrintable(QStringLiteral("iteration %1 ran with batch %2")
                                                            .arg(r.iteration).arg(r.batch_size)));
        }
        QVERIFY(w.controls() && !w.pauseButton()->text().isEmpty());

        // The window shows it: the knobs in effect and a marker on the time charts.
        QTRY_VERIFY_WITH_TIMEOUT(w.statusPanel()->knobsLabel()->text().contains(QStringLiteral("batch 64")),
                                 2000);
        QTRY_VERIFY_WITH_TIMEOUT(w.liveViews()->throughputChart()->pointCount(0) > 0, 5000);
        QVERIFY(stop_and_wait(w));
    }

    void prefetchDepthSetValueReachesTheRun() {
        engine::TrainConfig c = test_config();
        c.prefetch_depth = 4;
        MainWindow w(c);
        w.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(running_for(w, 3), kStartTimeoutMs);
        QCOMPARE(snap(w)->prefetch_depth, 4);

        w.prefetchSpin()->setValue(1);
        emit w.prefetchSpin()->editingFinished();  // what leaving the field does
        QTRY_VERIFY_WITH_TIMEOUT(snap(w)->prefetch_depth == 1 && find_change(*snap(w), "prefetch_depth", 1),
                                 kApplyTimeoutMs);
        auto s = snap(w);
        const engine::KnobChange* k = find_change(*s, "prefetch_depth", 1);
        QCOMPARE(k->old_value, int64_t(4));
        QCOMPARE(std::count_if(s->knob_changes.begin(), s->knob_changes.end(),
                               [](const engine::KnobChange& x) { return x.knob == "prefetch_depth"; }),
                 std::ptrdiff_t(1));  // setValue + editingFinished sent it once

        // Once the batches loaded under the old depth are used up, no more than one is ready.
        const int64_t settled = k->iteration + 4 + c.workers + 2;
        QTRY_VERIFY_WITH_TIMEOUT(snap(w)->iterations_done > settled + 3, kApplyTimeoutMs);
        s = snap(w);
        for (const auto& r : s->recent) {
            if (r.iteration >= settled)
                QVERIFY2(r.queue_depth <= 1, qPrintable(QStringLiteral("iteration %1 had %2 batches ready")
                                                            .arg(r.iteration).arg(r.queue_depth)));
        }
        QVERIFY(stop_and_wait(w));
    }

    void pauseStopsProgressAndResumeContinues() {
        MainWindow w(test_config());
        w.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(running_for(w, 3), kStartTimeoutMs);

        w.pauseButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(state(w), RunState::Paused, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(w.pauseButton()->text(), QStringLiteral("Resume"), 2000);
        const int64_t paused_at = snap(w)->iterations_done;
        QTest::qWait(300);
        QCOMPARE(snap(w)->iterations_done, paused_at);

        w.pauseButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(state(w) == RunState::Running && snap(w)->iterations_done > paused_at, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(w.pauseButton()->text(), QStringLiteral("Pause"), 2000);
        QVERIFY(stop_and_wait(w));
    }

    void stopEndsTheRunAndStartBeginsANewOne() {
        MainWindow w(test_config());
        w.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(running_for(w, 3), kStartTimeoutMs);
        QVERIFY(!w.startButton()->isEnabled());

        w.stopButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(state(w), RunState::Stopped, 5000);
        const int64_t stopped_at = snap(w)->iterations_done;
        // The run was saved as a session (BATCHSCOPE_DB points into the build folder).
        QVERIFY(w.sessionSink() != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(w.sessionSink()->session_id() > 0, 5000);
        QVERIFY(w.sessionSink()->error().empty());
        {
            batchscope::store::SessionStore saved(w.sessionSink()->db_path(), true);
            const auto info = saved.info(w.sessionSink()->session_id());
            QVERIFY(info.has_value());
            QTRY_VERIFY_WITH_TIMEOUT(saved.info(w.sessionSink()->session_id())->state == "stopped", 5000);
            QVERIFY(saved.info(w.sessionSink()->session_id())->iterations > 0);
        }
        QTest::qWait(200);
        QCOMPARE(snap(w)->iterations_done, stopped_at);
        QTRY_VERIFY_WITH_TIMEOUT(w.startButton()->isEnabled() && !w.stopButton()->isEnabled(), 2000);

        // Nothing new: refreshing does not redraw.
        w.refresh();
        const int redraws = w.redrawCount();
        w.refresh();
        w.refresh();
        QCOMPARE(w.redrawCount(), redraws);

        // A new run may reuse the freed address of the first: compare the owner's run serials.
        const uint64_t first = w.runSerial();
        w.startButton()->click();
        QCOMPARE(w.runSerial(), first + 1);
        QVERIFY(w.run() != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(running_for(w, 1), kStartTimeoutMs);
        QVERIFY(stop_and_wait(w));
    }

    void closingWhileRunningStopsWithoutBlocking() {
        auto w = std::make_unique<MainWindow>(test_config());
        w->show();
        w->startRun();
        QTRY_VERIFY_WITH_TIMEOUT(running_for(*w, 3), kStartTimeoutMs);
        std::shared_ptr<const engine::RunSnapshot> last = snap(*w);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(w->close());
        QVERIFY2(clock.elapsed() < 250, "closing must not wait for the run on the GUI thread");
        QVERIFY(!w->run());  // handed to a background thread, stopped there
        w.reset();           // joins what is left: quick, the run was stopped
        QVERIFY(last);
    }

    void badDataDirShowsTheFailure() {
        engine::TrainConfig c = test_config();
        c.data_dir = "/nonexistent/batchscope-ui-test";
        MainWindow w(c);
        w.show();
        w.startRun();
        QTRY_COMPARE_WITH_TIMEOUT(state(w), RunState::Failed, kStartTimeoutMs);
        const QString message = QString::fromStdString(snap(w)->message);
        QVERIFY(!message.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!w.failureText().isEmpty(), 2000);
        QVERIFY(w.failureText().contains(message));
        QVERIFY(w.statusPanel()->errorLabel()->isVisible());
        QVERIFY(w.statusPanel()->errorLabel()->text().contains(message));
        QVERIFY(w.startButton()->isEnabled());
    }

    void shortcutsDriveTheRun() {
        MainWindow w(test_config());
        w.show();
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        QTest::keyClick(&w, Qt::Key_R, Qt::ControlModifier);
        QVERIFY(w.run());
        QTRY_VERIFY_WITH_TIMEOUT(running_for(w, 1), kStartTimeoutMs);
        w.startButton()->setFocus();
        QTest::keyClick(&w, Qt::Key_Space);
        QTRY_COMPARE_WITH_TIMEOUT(state(w), RunState::Paused, 5000);
        QTest::keyClick(&w, Qt::Key_Period, Qt::ControlModifier);
        QTRY_COMPARE_WITH_TIMEOUT(state(w), RunState::Stopped, 5000);
    }
};

int run_main_window_tests(int argc, char** argv) {
    MainWindowTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "main_window_test.moc"
