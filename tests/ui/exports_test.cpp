// Exports produce valid files: charts as PNG (header) and SVG (parses, <svg> root), sessions as
// CSV (header columns, one row per iteration or request) and Chrome trace (parses, slices),
// one-page PDF reports of a session and of a comparison (header, trailer, one page).
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QRegularExpression>
#include <QXmlStreamReader>

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
                                                "compute_ms,d2h_ms,host_ms,loss,queue_depth"));
        QCOMPARE(lines[1].split(',').size(), 12);

        const QString req = dir_.filePath(QStringLiteral("r.csv"));
        v.exportCsv(infer_, req);
        QCOMPARE(wait_export(spy), QString());
        const QList<QByteArray> rl = read_all(req).trimmed().split('\n');
        QCOMPARE(rl.size(), 501);
        QVERIFY(rl[0].startsWith("id,batch_size,scheduled_ms,latency_ms"));
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

        v.exportTrace(infer_, dir_.filePath(QStringLiteral("i.json")));
        QVERIFY(wait_export(spy).contains(QStringLiteral("CSV")));
        v.exportCsv(987654, dir_.filePath(QStringLiteral("x.csv")));
        QVERIFY(wait_export(spy).contains(QStringLiteral("987654")));
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
