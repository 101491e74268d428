// File -> Open trace... / drops: a folder of ranks is imported off the GUI thread behind a
// progress dialog, the sessions are listed and compared; a bad file is refused, nothing saved.
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QMainWindow>
#include <QProgressDialog>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "batchscope/store/session_store.h"
#include "charts/comparison_bar_chart.h"
#include "charts/time_series_chart.h"
#include "batchscope/analysis/session_detail.h"
#include "batchscope/trace_import/import_session.h"
#include "compare_view.h"
#include "device_tables.h"
#include "lane_timeline.h"
#include "session_detail_view.h"
#include "pdf_report.h"
#include "rank_comparison_view.h"
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
        // The comparison draws every part: mean comm per step from tests/data/traces/expected_shares.json
        // (worked out by trace_shares.py): rank 0 336.983 ms over 2 steps, rank 1 303.523 ms; other
        // GPU work 0.331 ms and 4.162 ms. The file names sort rank 0 first.
        const ComparisonBarChart* bars = view->compareView()->breakdownChart();
        QCOMPARE(bars->barCount(), 2);
        QCOMPARE(bars->value(Part::Comm, 0), 168.4915);
        QCOMPARE(bars->value(Part::Comm, 1), 151.7615);
        QCOMPARE(bars->value(Part::OtherGpu, 0), 0.1655);
        QCOMPARE(bars->value(Part::OtherGpu, 1), 2.081);
        QCOMPARE(bars->value(Part::Host, 0), 341.292);  // 682.584 ms of host over 2 steps, comm not in it
        QVERIFY(bars->legendLabels().contains(QStringLiteral("Comm")));
        QVERIFY(bars->legendLabels().contains(QStringLiteral("Other GPU work")));

        // A trace has no batch size and no loss: throughput in steps/s (each point between
        // 1 / the longest and 1 / the shortest stored step, the last at the end of the last step),
        // and a loss chart that says why it is empty.
        store::SessionStore st(db.toStdString(), true);
        const std::vector<int64_t> compared_ids = {view->compareView()->shown()->sessions[0].info.id,
                                            view->compareView()->shown()->sessions[1].info.id};
        const TimeSeriesChart* tp = view->compareView()->throughputChart();
        QVERIFY2(tp->title().contains(QStringLiteral("steps/s")), qPrintable(tp->title()));
        for (int i = 0; i < 2; ++i) {
            const auto rows = st.iterations(compared_ids[static_cast<size_t>(i)]);
            int64_t lo = INT64_MAX, hi = 0;
            for (const auto& r : rows) lo = std::min(lo, r.wall_ns), hi = std::max(hi, r.wall_ns);
            const QList<QPointF> pts = tp->points(i);
            QVERIFY(!pts.isEmpty());
            for (const QPointF& p : pts)
                QVERIFY2(p.y() >= 1e9 / static_cast<double>(hi) * (1 - 1e-9) && p.y() <= 1e9 / static_cast<double>(lo) * (1 + 1e-9),
                         qPrintable(QString::number(p.y())));
            QCOMPARE(pts.back().x(), static_cast<double>(rows.back().start_ns + rows.back().wall_ns - rows.front().start_ns) / 1e9);
        }
        const TimeSeriesChart* loss = view->compareView()->lossChart();
        QCOMPARE(loss->pointCount(0) + loss->pointCount(1), qsizetype(0));
        QVERIFY2(loss->title().contains(QStringLiteral("none in traces")), qPrintable(loss->title()));
        QVERIFY(loss->placeholderText().contains(QStringLiteral("records no loss")));

        // The straggler view of the CLI's `sessions compare --tag`: per rank, per step the slowest.
        const RankComparisonView* ranks = view->compareView()->rankView();
        QVERIFY(!ranks->isHidden());
        QCOMPARE(ranks->rankTable()->rowCount(), 2);
        QCOMPARE(ranks->rankTable()->item(0, 0)->text(), QStringLiteral("0"));
        QCOMPARE(ranks->rankTable()->item(1, 5)->text(), QStringLiteral("151.76"));  // comm ms per step, rank 1
        const auto r0 = st.iterations(compared_ids[0]), r1 = st.iterations(compared_ids[1]);
        QCOMPARE(ranks->stepTable()->rowCount(), int(r0.size()));
        for (int k = 0; k < ranks->stepTable()->rowCount(); ++k) {
            const auto i = static_cast<size_t>(k);
            QCOMPARE(ranks->stepTable()->item(k, 0)->text(), QString::number(r0[i].iteration));
            QCOMPARE(r0[i].iteration, r1[i].iteration);
            QCOMPARE(ranks->stepTable()->item(k, 2)->text(),
                     r0[i].wall_ns >= r1[i].wall_ns ? QStringLiteral("0") : QStringLiteral("1"));
            const double spread = static_cast<double>(std::abs(r0[i].wall_ns - r1[i].wall_ns)) / 1e6;
            QCOMPARE(ranks->stepTable()->item(k, 5)->text(), QString::number(spread, 'f', 2));
        }
        const auto list = st.list();
        QCOMPARE(list.size(), size_t{2});
        QCOMPARE(QString::fromStdString(list[0].mode), QStringLiteral("imported"));
        QCOMPARE(list[0].tags, list[1].tags);
        QCOMPARE(st.iterations(list[1].id).size(), size_t{2});
    }

    void detailViewOfAnImportedSessionShowsItsLanesAndTables() {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("sessions.db"));
        const trace_import::ImportBatch b =
            trace_import::import_traces({std::string(BS_TRACE_DATA) + "/nccl-2ranks-rank0.json.gz"}, db.toStdString());
        const int64_t id = b.ids.at(0);
        SessionsView view(db);
        QSignalSpy listed(&view, &SessionsView::listed);
        view.refresh();
        QVERIFY(listed.wait(30'000));
        view.selectIds({id});
        QSignalSpy shown(&view, &SessionsView::detailShown);
        view.showDetails(id);
        QVERIFY(shown.wait(30'000));
        auto* d = shown[0][0].value<SessionDetailView*>();
        QVERIFY(d != nullptr);
        QCOMPARE(d->sessionId(), id);
        d->resize(1200, 800);
        d->show();
        QVERIFY(QTest::qWaitForWindowExposed(d));
        // Lanes: the CPU threads with steps and DataLoader waits, and each GPU stream.
        const LaneTimeline* tl = d->timeline();
        QVERIFY2(tl->emptyText().isEmpty(), qPrintable(tl->emptyText()));
        QVERIFY(tl->laneCount() >= 2);
        int threads = 0, streams = 0;
        for (const profiler::Lane& lane : tl->model().lanes()) {
            const QString name = tl->laneLabel(lane);
            threads += name.startsWith(QStringLiteral("CPU thread ")) ? 1 : 0;
            streams += name.startsWith(QStringLiteral("GPU stream ")) ? 1 : 0;
        }
        QVERIFY(threads >= 1);
        QVERIFY(streams >= 1);
        QVERIFY(tl->model().fixed());
        QVERIFY(!tl->rects().empty());
        bool step = false, comm = false;
        for (const LaneRect& r : tl->rects()) {
            step = step || r.phase == profiler::Phase::Iteration;
            comm = comm || r.part == store::kPartComm;  // the collectives, in comm's colour
        }
        QVERIFY(step);
        QVERIFY(comm);
        // Hovering a collective names it, its stream and its step.
        bool hovered = false;
        for (const LaneRect& r : tl->rects())
            if (r.part == store::kPartComm && r.x1 - r.x0 >= 3) {
                hovered = true;
                const QString tip = tl->tooltipAt(tl->centreOf(r));
                QVERIFY2(tip.contains(QStringLiteral("nccl")) && tip.contains(QStringLiteral("counted as comm")) &&
                             tip.contains(QStringLiteral("GPU stream")) && tip.contains(QStringLiteral("step ")),
                         qPrintable(tip));
                break;
            }
        QVERIFY(hovered);
        // Scrolling moves the window along the session, keeping its span.
        const int64_t span = tl->model().viewEndNs() - tl->model().viewStartNs();
        if (d->scrollBar()->maximum() > 0) {
            d->scrollBar()->setValue(d->scrollBar()->maximum());
            QVERIFY(tl->model().viewStartNs() > tl->model().firstNs());
            QCOMPARE(tl->model().viewEndNs() - tl->model().viewStartNs(), span);
        }
        // Zoom: one step shows the first step's window; "all" the whole session, with nothing to scroll.
        d->zoomBox()->setCurrentIndex(0);
        d->scrollBar()->setValue(0);
        int64_t second_step = -1;  // the start of the second step shown: one step is up to there
        {
            std::vector<int64_t> starts;
            store::SessionStore s0(db.toStdString(), true);
            for (const store::EventRow& e : s0.events(id))
                if (e.phase == static_cast<int>(profiler::Phase::Iteration)) starts.push_back(e.start_ns);
            std::sort(starts.begin(), starts.end());
            QVERIFY(starts.size() >= 2);
            second_step = starts[1] - starts[0];
        }
        QCOMPARE(tl->model().viewStartNs(), tl->model().firstNs());
        QCOMPARE(tl->model().viewEndNs() - tl->model().viewStartNs(), second_step);
        QVERIFY(d->scrollBar()->maximum() > 0);
        d->zoomBox()->setCurrentIndex(3);
        QCOMPARE(tl->model().viewStartNs(), tl->model().firstNs());
        QCOMPARE(tl->model().viewEndNs(), tl->model().lastNs());
        QCOMPARE(d->scrollBar()->maximum(), 0);

        // The tables: kernels by name (NCCL among them), copies; the same numbers as the store's.
        QVERIFY(d->kernelTableShown());
        QVERIFY(d->kernelModel()->rowCount() > 0);
        store::SessionStore st(db.toStdString(), true);
        const analysis::SessionDetail det = analysis::session_detail(st, id);
        QCOMPARE(d->kernelModel()->rowCount(), int(det.kernels.size()));
        QCOMPARE(d->copyModel()->rowCount(), int(det.copies.size()));
        bool nccl = false;
        for (int r = 0; r < d->kernelModel()->rowCount(); ++r)
            nccl = nccl || d->kernelModel()->index(r, KernelTableModel::Name).data().toString().contains(QStringLiteral("nccl"));
        QVERIFY(nccl);
        // The session's PDF report draws charts for a trace too: steps/s and the mean step's parts
        // (before: none, as a trace has no batch size and no loss).
        const SessionReport report = load_session_report(st, id);
        const QStringList charts = session_report_charts(report);
        QCOMPARE(charts.size(), qsizetype(2));
        QVERIFY2(charts[0].contains(QStringLiteral("steps/s")), qPrintable(charts[0]));
        const QString pdf = dir.filePath(QStringLiteral("rank0.pdf"));
        QCOMPARE(write_session_report(pdf, report), QString());
        QVERIFY(QFileInfo(pdf).size() > 10'000);
        if (const QByteArray shot = qgetenv("BATCHSCOPE_DETAIL_SHOT"); !shot.isEmpty()) {
            QTest::qWait(200);
            QVERIFY(d->grab().save(QString::fromLocal8Bit(shot)));
        }
        d->close();
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
