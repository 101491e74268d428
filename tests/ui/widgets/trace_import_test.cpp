// File -> Open trace... / drops: a folder of ranks is imported off the GUI thread behind a
// progress dialog, the sessions are listed and compared; a bad file is refused, nothing saved.
#include <QFile>
#include <QMainWindow>
#include <QProgressDialog>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>

#include "batchscope/store/session_store.h"
#include "sessions_view.h"
#include "trace_import_ui.h"

using namespace batchscope;
using namespace batchscope::ui;

class TraceImportTest : public QObject {
    Q_OBJECT
private slots:
    void folderOfRanksIsImportedAndCompared() {
        QTemporaryDir dir;
        const std::string job = dir.filePath(QStringLiteral("job")).toStdString();
        std::filesystem::create_directories(job);
        for (const char* f : {"rank-0.json.gz", "rank-1.json.gz"})
            std::filesystem::copy_file(std::string(BS_TRACE_DATA) + "/" + f, job + "/" + f);
        const QString db = dir.filePath(QStringLiteral("sessions.db"));
        QMainWindow w;
        auto* view = new SessionsView(db);
        w.setCentralWidget(view);
        bool shown = false;
        auto* ui = new TraceImportUi(&w, view, [&] { shown = true; });
        ui->setQuiet(true);
        QSignalSpy done(ui, &TraceImportUi::finished);
        QSignalSpy compared(view, &SessionsView::compared);
        ui->importPaths({QString::fromStdString(job)});
        QVERIFY(ui->busy());
        QVERIFY(ui->progressDialog() != nullptr);
        QVERIFY(done.wait(60'000));
        const auto ids = done[0][0].value<std::vector<int64_t>>();
        QCOMPARE(done[0][1].toString(), QString());
        QCOMPARE(ids.size(), size_t{2});
        QVERIFY(shown);
        QVERIFY(compared.count() > 0 || compared.wait(30'000));
        store::SessionStore s(db.toStdString(), true);
        const auto list = s.list();
        QCOMPARE(list.size(), size_t{2});
        QCOMPARE(QString::fromStdString(list[0].mode), QStringLiteral("imported"));
        QCOMPARE(list[0].tags, list[1].tags);
        QCOMPARE(s.iterations(list[1].id).size(), size_t{2});
    }

    void badFileIsRefusedAndNothingSaved() {
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a trace");
        f.close();
        const QString db = dir.filePath(QStringLiteral("sessions.db"));
        QMainWindow w;
        auto* view = new SessionsView(db);
        w.setCentralWidget(view);
        auto* ui = new TraceImportUi(&w, view, {});
        ui->setQuiet(true);
        QSignalSpy done(ui, &TraceImportUi::finished);
        ui->importPaths({bad});
        QVERIFY(done.wait(30'000));
        QVERIFY(done[0][0].value<std::vector<int64_t>>().empty());
        const QString error = done[0][1].toString();
        QVERIFY2(error.contains(bad) && error.contains(QStringLiteral("is not JSON")), qPrintable(error));
        QVERIFY(!QFile::exists(db));
    }
};

int run_trace_import_tests(int argc, char** argv) {
    TraceImportTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "trace_import_test.moc"
