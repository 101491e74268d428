// Exports produce valid files: charts as PNG (header) and SVG (parses, <svg> root), sessions as
// CSV (header columns, one row per iteration or request) and Chrome trace (parses, slices),
// one-page PDF reports of a session and of a comparison (header, trailer, one page).
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QRegularExpression>
#include <QXmlStreamReader>

#include "batchscope/profiler/event.h"
#include "batchscope/store/session_recorder.h"
#include "chart_export.h"
#include "charts/time_series_chart.h"
#include "compare_view.h"
#include "session_fixtures.h"
#include "sessions_view.h"

using namespace batchscope;
using namespace batchscope::ui;

namespace {

QByteArray read_all(const QString& file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Waits for the export of `file` and returns its error text.
QString wait_export(QSignalSpy& spy) {
    if (spy.isEmpty() && !spy.wait(15'000)) return QStringLiteral("timed out");
    const QString error = spy.takeFirst().at(1).toString();
    return error;
}

}  // namespace

class ExportsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        db_ = dir_.filePath(QStringLiteral("s.db"));
        a_ = bs_ui_test::record_train_session(db_.toStdString(), "a", 128, 1, 200, 3.0, 2.0);
        b_ = bs_ui_test::record_train_session(db_.toStdString(), "b", 128, 4, 200, 0.1, 2.0);
        infer_ = bs_ui_test::record_infer_session(db_.toStdString(), "serve", 500);
    }

    void chartAsPngAndSvg() {
        TimeSeriesChart chart(QStringLiteral("Throughput"), QStringLiteral("samples/s"));
        chart.setPoints(chart.addSeries(QStringLiteral("x"), Qt::blue), {{0, 1}, {1, 3}, {2, 2}});
        chart.resize(640, 400);
        const QString png = dir_.filePath(QStringLiteral("c.png"));
        QCOMPARE(save_chart(&chart, png), QString());
        QVERIFY(read_all(png).startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8)));

        const QString svg = dir_.filePath(QStringLiteral("c.svg"));
        QCOMPARE(save_chart(&chart, svg), QString());
        QXmlStreamReader xml(read_all(svg));
        QString root;
        int elements = 0;
        while (!xml.atEnd()) {
            if (xml.readNext() == QXmlStreamReader::StartElement) {
                if (root.isEmpty()) root = xml.name().toString();
                ++elements;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(root, QStringLiteral("svg"));
        QVERIFY(elements > 20);  // the chart was drawn, not an empty document

        const QString error = save_chart(&chart, dir_.filePath(QStringLiteral("c.bmp")));
        QVERIFY(error.contains(QStringLiteral(".png or .svg")));
        QVERIFY(!save_chart(&chart, QStringLiteral("/nonexistent/dir/c.png")).isEmpty());
    }

    void sessionAsCsv() {
        SessionsView v(db_);
        QSignalSpy spy(&v, &SessionsView::exported);
        const QString csv = dir_.filePath(QStringLiteral("a.csv"));
        v.exportCsv(a_, csv);
        QCOMPARE(wait_export(spy), QString());
        const QList<QByteArray> lines = read_all(csv).trimmed().split('\n');
        QCOMPARE(lines.size(), 201);
        QCOMPARE(lines[0].trimmed(), QByteArray("iteration,epoch,batch_size,start_ms,wall_ms,data_wait_ms,h2d_ms,"
                                                "compute_ms,comm_ms,d2h_ms,other_gpu_ms,host_ms,loss,queue_depth"));
        QCOMPARE(lines[1].split(',').size(), 14);

        const QString req = dir_.filePath(QStringLiteral("r.csv"));
        v.exportCsv(infer_, req);
        QCOMPARE(wait_export(spy), QString());
        const QList<QByteArray> rl = read_all(req).trimmed().split('\n');
        QCOMPARE(rl.size(), 501);
        QCOMPARE(rl[0].trimmed(), QByteArray("request_id,batch_size,scheduled_ms,issued_ms,queue_ms,h2d_ms,compute_ms,"
                                             "d2h_ms,latency_ms,correct"));
        // Request 3: scheduled 3 ms after the first, compute 0.05 ms, latency 103 µs, not checked.
        QCOMPARE(rl[4].trimmed(), QByteArray("3,4,3.000000,3.000000,0.000000,0.000000,0.050000,0.000000,0.103000,"));
    }

    void sessionAsChromeTrace() {
        SessionsView v(db_);
        QSignalSpy spy(&v, &SessionsView::exported);
        const QString json = dir_.filePath(QStringLiteral("a.json"));
        v.exportTrace(a_, json);
        QCOMPARE(wait_export(spy), QString());
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(read_all(json), &err);
        QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
        const QJsonArray events = doc.isObject() ? doc.object().value(QStringLiteral("traceEvents")).toArray() : doc.array();
        int slices = 0;
        for (const auto& e : events)
            if (e.toObject().value(QStringLiteral("ph")).toString() == QStringLiteral("X")) ++slices;
        QCOMPARE(slices, 200 * 3);  // iteration, data wait, compute per iteration

        // An inference session's trace: its requests, rebuilt from the rows (async slices).
        const QString infer_json = dir_.filePath(QStringLiteral("i.json"));
        v.exportTrace(infer_, infer_json);
        QCOMPARE(wait_export(spy), QString());
        const QJsonDocument idoc = QJsonDocument::fromJson(read_all(infer_json), &err);
        QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
        int begins = 0;
        for (const auto& e : idoc.object().value(QStringLiteral("traceEvents")).toArray())
            if (e.toObject().value(QStringLiteral("ph")).toString() == QStringLiteral("b") &&
                e.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("request"))
                ++begins;
        QCOMPARE(begins, 500);
        v.exportCsv(987654, dir_.filePath(QStringLiteral("x.csv")));
        QVERIFY(wait_export(spy).contains(QStringLiteral("987654")));
    }

    // One session exported by the dashboard and by `batchscope-cli sessions export`: the same bytes
    // (CSV and Chrome trace; a training session rebuilt from its rows, one with raw events, and an
    // inference session).
    void sameFilesAsTheCommandLine() {
        const int64_t with_events = record_session_with_events();
        SessionsView v(db_);
        QSignalSpy spy(&v, &SessionsView::exported);
        for (const int64_t id : {a_, infer_, with_events}) {
            for (const QString& format : {QStringLiteral("csv"), QStringLiteral("chrome")}) {
                const QString gui = dir_.filePath(QStringLiteral("gui-%1.%2").arg(id).arg(format));
                const QString cli = dir_.filePath(QStringLiteral("cli-%1.%2").arg(id).arg(format));
                if (format == QLatin1String("csv")) v.exportCsv(id, gui);
                else v.exportTrace(id, gui);
                QCOMPARE(wait_export(spy), QString());
                QProcess p;
                p.start(QStringLiteral(BS_CLI_PATH), {QStringLiteral("sessions"), QStringLiteral("export"), QString::number(id),
                                                      QStringLiteral("--format"), format, QStringLiteral("--out"), cli,
                                                      QStringLiteral("--db"), db_});
                QVERIFY(p.waitForFinished(30'000));
                QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
                const QByteArray a = read_all(gui), b = read_all(cli);
                QVERIFY(a.size() > 100);
                QVERIFY2(a == b, qPrintable(QStringLiteral("%1 of session %2 differs").arg(format).arg(id)));
            }
        }
    }

    void sessionAndComparisonAsPdf() {
        SessionsView v(db_);
        v.resize(1200, 800);
        QSignalSpy spy(&v, &SessionsView::exported);
        const QString one = dir_.filePath(QStringLiteral("a.pdf"));
        v.exportReport(a_, one);
        QCOMPARE(wait_export(spy), QString());
        check_pdf(one);

        const QString none = dir_.filePath(QStringLiteral("none.pdf"));
        v.exportComparisonReport(none);
        QVERIFY(wait_export(spy).contains(QStringLiteral("compare")));
        QVERIFY(!QFile::exists(none));

        QSignalSpy compared(&v, &SessionsView::compared);
        v.compare({a_, b_});
        QVERIFY(compared.wait(15'000));
        const QString both = dir_.filePath(QStringLiteral("ab.pdf"));
        v.exportComparisonReport(both);
        QCOMPARE(wait_export(spy), QString());
        check_pdf(both);
    }

private:
    // A training session whose raw events were saved: two iterations with a loader worker.
    int64_t record_session_with_events() {
        store::SessionMeta meta;
        meta.name = "events";
        meta.mode = "train";
        meta.backend = "cpu";
        store::SessionRecorder rec(db_.toStdString(), meta);
        for (int i = 0; i < 2; ++i) {
            const int64_t t = 1'000'000 * (1 + 10 * i);
            store::IterationRow r;
            r.iteration = i;
            r.epoch = 1;
            r.batch_size = 64;
            r.start_ns = t;
            r.data_wait_ns = 2'000'000;
            r.h2d_ns = 500'000;
            r.compute_ns = 6'000'000;
            r.host_ns = 1'500'000;
            r.wall_ns = 10'000'000;
            rec.add(r);
            auto event = [&](profiler::Phase p, int64_t s, int64_t e, profiler::LaneKind lane, uint32_t bytes = 0) {
                store::EventRow ev;
                ev.start_ns = s;
                ev.end_ns = e;
                ev.id = i;
                ev.bytes = bytes;
                ev.phase = static_cast<int>(p);
                ev.lane_kind = static_cast<int>(lane);
                rec.add(ev);
            };
            event(profiler::Phase::Iteration, t, t + 10'000'000, profiler::LaneKind::Controller);
            event(profiler::Phase::DataWait, t, t + 2'000'000, profiler::LaneKind::Controller);
            event(profiler::Phase::H2D, t + 2'000'000, t + 2'500'000, profiler::LaneKind::Controller, 200'704);
            event(profiler::Phase::Compute, t + 2'500'000, t + 8'500'000, profiler::LaneKind::Controller);
            event(profiler::Phase::Load, t - 3'000'000, t + 2'000'000, profiler::LaneKind::LoaderWorker);
        }
        rec.add(store::KnobRow{1'000'000 * 11, 1, "prefetch_depth", 1, 4});
        rec.finish("finished");
        return rec.session_id();
    }

    static void check_pdf(const QString& file) {
        const QByteArray pdf = read_all(file);
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
        QVERIFY(pdf.contains("trailer"));
        // One page object (not counting the /Pages tree).
        const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?!s)"));
        QCOMPARE(QString::fromLatin1(pdf).count(page), 1);
        QVERIFY(pdf.size() > 5000);
    }

    QTemporaryDir dir_;
    QString db_;
    int64_t a_ = 0, b_ = 0, infer_ = 0;
};

int run_exports_tests(int argc, char** argv) {
    ExportsTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "exports_test.moc"
