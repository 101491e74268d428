// The latency-versus-throughput sweep of the inference tab: the plan typed in is validated; a
// short real sweep of a tiny checkpoint draws one dot pair per point, one curve per max batch,
// saves its points as tagged sessions, exports as PNG/SVG, shows progress and can be cancelled; sweeps saved in a constructed
// session file (hand-made rows, and streams written by the engine's run_sweep as the CLI does)
// are listed and drawn.
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/infer/infer_session_sink.h"
#include "batchscope/engine/infer/scenarios.h"
#include "batchscope/engine/infer/service.h"
#include "batchscope/engine/mlp.h"
#include "batchscope/store/session_recorder.h"
#include "chart_export.h"
#include "charts/sweep_chart.h"
#include "infer_pane.h"
#include "sweep_data.h"
#include "sweep_panel.h"

using namespace batchscope;
using namespace batchscope::ui;

namespace {

// A finished inference session tagged `tag`: 98 requests of 100 µs and 2 of 5000 µs, one per ms.
int64_t record_point(const std::string& db, const std::string& tag, int max_batch, double rate,
                     const std::string& state = "finished") {
    store::SessionMeta meta;
    meta.name = "sweep point";
    meta.mode = "infer";
    meta.model = "mlp";
    meta.dataset = "fashion-mnist";
    meta.backend = "cpu";
    meta.config_json = "{\"mode\":\"infer\",\"scenario\":\"sweep\",\"max_batch\":" + std::to_string(max_batch) +
                       ",\"rate\":" + std::to_string(rate) + "}";
    meta.tags = {tag};
    store::SessionRecorder rec(db, meta);
    for (int i = 0; i < 100; ++i) {
        store::RequestRow r;
        r.request_id = i;
        r.scheduled_ns = int64_t(i) * 1'000'000;
        r.issued_ns = r.scheduled_ns;
        r.latency_ns = i >= 98 ? 5'000'000 : 100'000;
        r.batch_size = 1;
        rec.add(r);
    }
    rec.finish(state);
    return rec.session_id();
}

}  // namespace

class SweepTest : public QObject {
    Q_OBJECT
private slots:
    void plansAreValidated() {
        SweepPlan p = parse_sweep_plan(" 500, 1000,2000 ", "1,4,16,");
        QVERIFY2(p.error.empty(), p.error.c_str());
        QCOMPARE(p.rates, (std::vector<double>{500, 1000, 2000}));
        QCOMPARE(p.max_batches, (std::vector<int>{1, 4, 16}));
        QVERIFY(parse_sweep_plan("", "1").error.find("Rates") != std::string::npos);
        QVERIFY(parse_sweep_plan("0", "1").error.find("outside") != std::string::npos);
        QVERIFY(parse_sweep_plan("500,500", "1").error.find("twice") != std::string::npos);
        QVERIFY(parse_sweep_plan("5..0", "1").error.find("not a number") != std::string::npos);
        QVERIFY(parse_sweep_plan("500", "0").error.find("1 to 256") != std::string::npos);
        QVERIFY(parse_sweep_plan("500", "300").error.find("1 to 256") != std::string::npos);
        QVERIFY(parse_sweep_plan("500", "1.5").error.find("whole number") != std::string::npos);
        QVERIFY(parse_sweep_plan("500", "1,2,3,4,5,6,7,8,9").error.find("at most 8") != std::string::npos);
        QVERIFY(parse_sweep_plan("500", "1,2,3,4,5,6,7,8,9").rates.empty());

        // The panel refuses what does not parse, with the reason, and letters cannot be typed.
        SweepPanel panel;
        QVERIFY(panel.runButton()->isEnabled());
        panel.batchesEdit()->setText(QStringLiteral("0"));
        QVERIFY(!panel.runButton()->isEnabled());
        QVERIFY(panel.messageLabel()->text().contains(QStringLiteral("1 to 256")));
        QVERIFY(!panel.startSweep({}));
        QVERIFY(!panel.running());
        panel.batchesEdit()->clear();
        panel.batchesEdit()->setFocus();
        QTest::keyClicks(panel.batchesEdit(), QStringLiteral("4x"));
        QCOMPARE(panel.batchesEdit()->text(), QStringLiteral("4"));
        QVERIFY(panel.runButton()->isEnabled());
    }

    void tooltipsNameRateBatchPercentilesAndRequests() {
        SweepCurvePoint p{4, 2000, 1987.4, 312.2, 1204.9, 2000, true, 17};
        const QString t = QString::fromStdString(point_tooltip(p));
        for (const char* s : {"offered 2", "max batch 4", "achieved 1", "p50 312", "p99 1", "000 requests", "session 17"})
            QVERIFY2(t.contains(QString::fromUtf8(s)), qPrintable(t + " lacks " + s));
        QVERIFY(!t.contains(QLatin1Char('*')));
        p.p99_enough = false;
        QVERIFY(QString::fromStdString(point_tooltip(p)).contains(QStringLiteral("p99 needs")));
    }

    void aRealSweepDrawsEveryPointAndSavesThem() {
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("tiny.ckpt"));
        engine::save_checkpoint(ckpt.toStdString(), engine::Mlp({784, 16, 10}, 1), {});
        const QString db = dir.filePath(QStringLiteral("sessions.db"));
        InferPane pane(ckpt);
        pane.setSessionDb(db);
        pane.resize(1200, 800);
        pane.show();
        SweepPanel* sweep = pane.sweepPanel();
        sweep->ratesEdit()->setText(QStringLiteral("1000,3000"));
        sweep->batchesEdit()->setText(QStringLiteral("1,8"));
        sweep->requestsSpin()->setValue(300);
        sweep->runButton()->click();
        QVERIFY(sweep->running());
        QCOMPARE(pane.viewTabs()->currentWidget(), static_cast<QWidget*>(sweep->chart()));
        QVERIFY(!pane.startButton()->isEnabled());  // no stream while sweeping
        QVERIFY(!sweep->runButton()->isEnabled() && sweep->cancelButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!sweep->running(), 120'000);
        QVERIFY2(sweep->messageLabel()->text().contains(QStringLiteral("4 points")),
                 qPrintable(sweep->messageLabel()->text()));
        QVERIFY(sweep->messageLabel()->text().contains(QStringLiteral("saved as sessions")));
        SweepChart* chart = sweep->chart();
        QCOMPARE(chart->pointCount(), 4);
        QCOMPARE(chart->curveCount(), 2);
        QCOMPARE(chart->dotCount(), 8);
        QVERIFY(chart->pointToolTip(1, 1).contains(QStringLiteral("max batch 8")));
        QVERIFY(chart->pointToolTip(1, 1).contains(QStringLiteral("offered 3")));
        QVERIFY(chart->pointToolTip(0, 0).contains(QStringLiteral("300 requests")));
        QVERIFY(pane.startButton()->isEnabled());
        // Exported like every chart: a PNG and an SVG of the curve.
        for (const char* name : {"curve.png", "curve.svg"}) {
            const QString file = dir.filePath(QString::fromLatin1(name));
            QVERIFY2(save_chart(chart, file).isEmpty(), name);
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray head = f.read(64);
            QVERIFY(head.startsWith("\x89PNG") || head.contains("<?xml") || head.contains("<svg"));
        }

        // Its points are in the session file under one tag, listed and loaded back.
        QTRY_COMPARE_WITH_TIMEOUT(sweep->savedCombo()->count(), 1, 10'000);
        store::SessionStore st(db.toStdString(), true);
        const auto sweeps = list_saved_sweeps(st);
        QCOMPARE(sweeps.size(), size_t(1));
        QCOMPARE(sweeps[0].points, 4);
        const LoadedSweep loaded = load_saved_sweep(st, sweeps[0].tag);
        QCOMPARE(loaded.points.size(), size_t(4));
        QCOMPARE(loaded.points[3].max_batch, 8);
        QCOMPARE(loaded.points[3].offered_rps, 3000.0);
        QCOMPARE(loaded.points[3].requests, int64_t(300));
    }

    void cancelStopsTheStreamInFlight() {
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("tiny.ckpt"));
        engine::save_checkpoint(ckpt.toStdString(), engine::Mlp({784, 16, 10}, 1), {});
        InferPane pane(ckpt);  // no session file: nothing saved
        SweepPanel* sweep = pane.sweepPanel();
        sweep->ratesEdit()->setText(QStringLiteral("50"));  // 1,000,000 requests at 50/s: hours
        sweep->batchesEdit()->setText(QStringLiteral("1,2"));
        sweep->requestsSpin()->setValue(1'000'000);
        pane.startSweep();
        QVERIFY(sweep->running());
        QTRY_VERIFY_WITH_TIMEOUT(sweep->messageLabel()->text().contains(QStringLiteral("not saved")), 30'000);
        // Progress names the point being served.
        QVERIFY(sweep->progressBar()->isVisibleTo(sweep));
        QTRY_VERIFY_WITH_TIMEOUT(sweep->progressBar()->format().contains(QStringLiteral("point 1/2: max batch 1")), 5'000);
        sweep->cancelButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!sweep->running(), 10'000);
        QVERIFY2(sweep->messageLabel()->text().contains(QStringLiteral("Cancelled after 0 of 2")),
                 qPrintable(sweep->messageLabel()->text()));
        QCOMPARE(sweep->chart()->pointCount(), 0);
    }

    void aMissingCheckpointIsRefused() {
        InferPane pane(QStringLiteral("/nonexistent/model.ckpt"));
        pane.startSweep();
        QVERIFY(!pane.sweepPanel()->running());
        QVERIFY(pane.messageLabel()->text().contains(QStringLiteral("does not exist")));
    }

    void savedSweepsAreListedAndLoaded() {
        QTemporaryDir dir;
        const std::string db = dir.filePath(QStringLiteral("sessions.db")).toStdString();
        const std::string a = "sweep-20260101-000000", b = "sweep-20260102-000000";
        record_point(db, a, 1, 500);
        record_point(db, a, 1, 1000);
        record_point(db, a, 4, 500);
        record_point(db, a, 4, 1000, "stopped");  // a cancelled point: left out
        record_point(db, "search-20260101-000000", 1, 500);
        // The second sweep as `batchscope-cli sweep` writes one: the engine's run_sweep, each
        // stream saved by an InferSessionSink named and tagged like the CLI's.
        {
            std::shared_ptr<engine::infer::BatchService> service = engine::infer::make_synthetic_service(
                engine::infer::fixed_service_time(20'000), "synthetic 20 us", 1000);
            engine::infer::InferConfig base;
            base.requests = 200;
            base.queue_delay_us = 100;
            engine::infer::SweepOptions o{{2000, 4000}, {1, 2}};
            int k = 0;
            engine::infer::run_sweep(base, service, o, {}, [&](const engine::infer::InferConfig& c) {
                return std::make_shared<engine::infer::InferSessionSink>(
                    db, c, *service, "sweep #" + std::to_string(++k), "sweep", std::vector<std::string>{b});
            });
        }
        store::SessionStore st(db, true);
        const auto sweeps = list_saved_sweeps(st);
        QCOMPARE(sweeps.size(), size_t(2));
        QCOMPARE(sweeps[0].tag, b);  // newest first
        QCOMPARE(sweeps[0].points, 4);
        QCOMPARE(sweeps[1].tag, a);
        QCOMPARE(sweeps[1].points, 3);  // the stopped point is not counted: Load draws three

        const LoadedSweep la = load_saved_sweep(st, a);
        QCOMPARE(la.points.size(), size_t(3));
        QCOMPARE(la.skipped, 1);
        QCOMPARE(la.points[2].max_batch, 4);
        QCOMPARE(la.points[1].offered_rps, 1000.0);
        QCOMPARE(la.points[0].p50_us, 100.0);
        QCOMPARE(la.points[0].p99_us, 5000.0);
        QCOMPARE(la.points[0].requests, int64_t(100));
        QVERIFY(!la.points[0].p99_enough);  // 100 requests are too few for p99
        QVERIFY(qAbs(la.points[0].achieved_rps - 100 / 0.104) < 1);  // 100 answered from 0 to 104 ms
        const LoadedSweep lb = load_saved_sweep(st, b);
        QCOMPARE(lb.points.size(), size_t(4));
        QCOMPARE(lb.points[3].max_batch, 2);
        QCOMPARE(lb.points[3].offered_rps, 4000.0);
        QCOMPARE(lb.points[3].requests, int64_t(200));
        QVERIFY(lb.points[3].p50_us >= 20 && lb.points[3].p99_us >= lb.points[3].p50_us);
        QVERIFY_EXCEPTION_THROWN(load_saved_sweep(st, "sweep-nope"), store::StoreError);

        // The panel lists both (newest first) and draws the chosen one.
        SweepPanel panel;
        panel.setSessionDb(QString::fromStdString(db));
        QTRY_COMPARE_WITH_TIMEOUT(panel.savedCombo()->count(), 2, 10'000);
        QCOMPARE(panel.savedCombo()->itemData(0).toString(), QString::fromStdString(b));
        panel.savedCombo()->setCurrentIndex(1);
        QVERIFY(panel.loadButton()->isEnabled());
        panel.loadButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(panel.chart()->pointCount(), 3, 10'000);
        QCOMPARE(panel.chart()->curveCount(), 2);
        QVERIFY(panel.messageLabel()->text().contains(QStringLiteral("1 unfinished left out")));
        QVERIFY(panel.chart()->pointToolTip(0, 0).contains(QStringLiteral("p50 100")));
    }
};

int run_sweep_tests(int argc, char** argv) {
    SweepTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "sweep_test.moc"
