// The sessions tab on constructed sessions written with SessionRecorder into a scratch file:
// listing and filtering, rename / tag / note / delete, and the compare view.
#include <QLabel>
#include <QLineEdit>
#include <QComboBox>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "charts/comparison_bar_chart.h"
#include "charts/time_series_chart.h"
#include "compare_view.h"
#include "session_data.h"
#include "session_table_model.h"
#include "sessions_view.h"
#include "session_fixtures.h"

using namespace batchscope;
using namespace batchscope::ui;

class SessionsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        path_ = dir_.filePath(QStringLiteral("sessions.db")).toStdString();
        slow_ = bs_ui_test::record_train_session(path_, "slow loader", 128, 1, 400, 4.0, 2.0);
        fast_ = bs_ui_test::record_train_session(path_, "fast loader", 128, 4, 400, 0.2, 2.0);
        infer_ = bs_ui_test::record_infer_session(path_, "serving", 2000);
    }

    void curvesAreDecimated() {
        store::SessionStore st(path_, true);
        const auto its = st.iterations(slow_);
        QCOMPARE(its.size(), size_t(400));
        const auto tp = throughput_curve(its, 50);
        QVERIFY(tp.size() <= 50 && tp.size() >= 45);
        // 128 samples per 6.05 ms iteration (4 + 2 + host 0.05).
        QVERIFY(std::abs(tp[10].value - 128 / 6.05e-3) < 1.0);
        const profiler::Breakdown mean = mean_breakdown(its);
        QCOMPARE(mean.data_wait_ns, int64_t(4'000'000));
        QCOMPARE(format_delta(12.345), std::string("+12.3 %"));
        QCOMPARE(format_metric(0.8219, "fraction"), std::string("82.19 %"));
    }

    void listsAndFiltersWithoutBlocking() {
        SessionsView v(QString::fromStdString(path_));
        QSignalSpy listed(&v, &SessionsView::listed);
        v.refresh();
        QVERIFY(v.busy());  // the GUI thread returned before the file was read
        QVERIFY(listed.wait(10'000));
        QCOMPARE(v.model()->rowCount(), 3);

        v.modeFilter()->setCurrentIndex(v.modeFilter()->findData(QStringLiteral("infer")));
        QTRY_COMPARE_WITH_TIMEOUT(v.model()->rowCount(), 1, 10'000);
        QCOMPARE(v.model()->idAt(0), infer_);
        v.modeFilter()->setCurrentIndex(0);
        v.datasetFilter()->setText(QStringLiteral("no-such-dataset"));
        v.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(v.model()->rowCount(), 0, 10'000);
        v.datasetFilter()->clear();
        v.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(v.model()->rowCount(), 3, 10'000);
    }

    void renameTagNoteAndDelete() {
        const int64_t extra = bs_ui_test::record_train_session(path_, "to delete", 64, 2, 30, 1.0, 1.0);
        SessionsView v(QString::fromStdString(path_));
        v.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(v.model()->rowCount(), 4, 10'000);
        v.renameSession(slow_, QStringLiteral("prefetch 1"));
        v.addTag(slow_, QStringLiteral("lesson-1"));
        v.addTag(fast_, QStringLiteral("lesson-1"));
        v.setNote(fast_, QStringLiteral("after the advice"));
        v.deleteSessions({extra});
        QTRY_VERIFY_WITH_TIMEOUT(!v.busy() && v.model()->rowCount() == 3, 10'000);
        const auto& rows = v.model()->sessions();
        const auto row = [&](int64_t id) { return rows[static_cast<size_t>(v.model()->rowOf(id))]; };
        QCOMPARE(row(slow_).name, std::string("prefetch 1"));
        QCOMPARE(row(fast_).note, std::string("after the advice"));
        QCOMPARE(v.model()->rowOf(extra), -1);
        {  // in the file, not only on screen
            store::SessionStore st(path_, true);
            QVERIFY(!st.info(extra));
            QCOMPARE(st.info(slow_)->tags, std::vector<std::string>{"lesson-1"});
        }
        v.tagFilter()->setText(QStringLiteral("lesson-1"));
        v.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(v.model()->rowCount(), 2, 10'000);
        v.removeTag(slow_, QStringLiteral("lesson-1"));
        QTRY_VERIFY_WITH_TIMEOUT(!v.busy() && v.model()->rowCount() == 1, 10'000);
    }

    void compareShowsCurvesBreakdownsDiffAndDeltas() {
        SessionsView v(QString::fromStdString(path_));
        QSignalSpy compared(&v, &SessionsView::compared);
        v.compare({slow_});
        QVERIFY(v.statusLabel()->text().contains(QStringLiteral("two or more")));
        v.compare({slow_, fast_});
        QVERIFY(compared.wait(10'000));
        CompareView* c = v.compareView();
        QVERIFY(c->shown());
        QCOMPARE(c->throughputChart()->pointCount(0), qsizetype(400));
        QCOMPARE(c->throughputChart()->pointCount(1), qsizetype(400));
        QVERIFY(c->lossChart()->pointCount(1) > 0);
        QCOMPARE(c->breakdownChart()->barCount(), 2);
        // Our own runs have no collectives and no other device work: those stay out of the legend.
        QCOMPARE(c->breakdownChart()->legendLabels(),
                 (QStringList{QStringLiteral("Data wait"), QStringLiteral("H2D copy"), QStringLiteral("Compute"),
                              QStringLiteral("D2H copy"), QStringLiteral("Host")}));

        // The configuration diff holds prefetch_depth (a knob, starred) and not batch_size (equal).
        QTableWidget* cfg = c->configTable();
        int prefetch_row = -1;
        for (int r = 0; r < cfg->rowCount(); ++r) {
            const QString key = cfg->verticalHeaderItem(r)->text();
            QVERIFY(!key.startsWith(QStringLiteral("batch_size")));
            if (key.startsWith(QStringLiteral("prefetch_depth"))) prefetch_row = r;
        }
        QVERIFY(prefetch_row >= 0);
        QVERIFY(cfg->verticalHeaderItem(prefetch_row)->text().endsWith(QStringLiteral("*")));
        QCOMPARE(cfg->item(prefetch_row, 0)->text(), QStringLiteral("1"));
        QCOMPARE(cfg->item(prefetch_row, 1)->text(), QStringLiteral("4"));

        // Throughput: 6.05 ms → 2.25 ms per iteration = +168.9 %.
        QTableWidget* m = c->metricTable();
        int tp_row = -1;
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->verticalHeaderItem(r)->text() == QStringLiteral("throughput")) tp_row = r;
        QVERIFY(tp_row >= 0);
        QVERIFY2(m->item(tp_row, 1)->text().contains(QStringLiteral("+168.9 %")), qPrintable(m->item(tp_row, 1)->text()));

        v.compare({slow_, 999999});
        QVERIFY(compared.wait(10'000));
        QVERIFY(v.statusLabel()->text().contains(QStringLiteral("999999")));
    }

    void missingFileIsSaidNotCreated() {
        const QString missing = dir_.filePath(QStringLiteral("nothing-here.db"));
        SessionsView v(missing);
        QSignalSpy listed(&v, &SessionsView::listed);
        v.refresh();
        QVERIFY(listed.wait(10'000));
        QVERIFY(v.statusLabel()->text().contains(QStringLiteral("does not exist")));
        QVERIFY(!QFile::exists(missing));
    }

private:
    QTemporaryDir dir_;
    std::string path_;
    int64_t slow_ = 0, fast_ = 0, infer_ = 0;
};

int run_sessions_tests(int argc, char** argv) {
    SessionsTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "sessions_test.moc"
