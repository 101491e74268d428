// The plain C++ view logic: shares, columns, labels, axis arithmetic, the run timeline.
#include <QAbstractItemModelTester>
#include <QTest>
#include <QLabel>

#include "breakdown_stats.h"
#include "charts/breakdown_bar_chart.h"
#include "phase_style.h"
#include "charts/axis_range.h"
#include "epoch_table_model.h"
#include "run_text.h"
#include "share_bar.h"
#include "run_status_panel.h"
#include "run_timeline.h"

using namespace batchscope;
using namespace batchscope::ui;

namespace {
engine::IterationRecord record(int64_t iteration, int64_t wait_ms, int64_t compute_ms, int64_t host_ms,
                               int batch = 128) {
    engine::IterationRecord r;
    r.iteration = iteration;
    r.batch_size = batch;
    r.start_ns = iteration * 100'000'000;
    r.breakdown.data_wait_ns = wait_ms * 1'000'000;
    r.breakdown.compute_ns = compute_ms * 1'000'000;
    r.breakdown.host_ns = host_ms * 1'000'000;
    r.breakdown.wall_ns = r.breakdown.parts_sum();
    r.end_ns = r.start_ns + r.breakdown.wall_ns;
    return r;
}
}  // namespace

class ViewLogicTest : public QObject {
    Q_OBJECT
private slots:
    void sharesAreFractionsOfTheWindow() {
        const std::vector<engine::IterationRecord> recent = {record(0, 41, 52, 7), record(1, 41, 52, 7)};
        const PartShares s = mean_shares(recent);
        QCOMPARE(s[static_cast<size_t>(Part::DataWait)], 0.41);
        QCOMPARE(s[static_cast<size_t>(Part::Compute)], 0.52);
        QCOMPARE(s[static_cast<size_t>(Part::H2D)], 0.0);
        QCOMPARE(QString::fromStdString(format_shares(s)),
                 QString::fromUtf8("data wait 41% \u00b7 compute 52% \u00b7 host 7%"));
        QCOMPARE(QString::fromStdString(format_shares(mean_shares({}))), QString());
    }

    void columnsKeepTheNewestAtTheRight() {
        std::vector<engine::IterationRecord> recent;
        for (int i = 0; i < 5; ++i) recent.push_back(record(i, 1, 2 + i, 0));
        const BreakdownColumns few = last_columns(recent, 8);
        QCOMPARE(few.iteration.size(), size_t(8));
        QCOMPARE(few.iteration.front(), int64_t(-1));
        QCOMPARE(few.iteration.back(), int64_t(4));
        QCOMPARE(few.ms[static_cast<size_t>(Part::Compute)].back(), 6.0);
        QCOMPARE(few.max_total_ms, 7.0);
        const BreakdownColumns last3 = last_columns(recent, 3);
        QCOMPARE(last3.iteration, (std::vector<int64_t>{2, 3, 4}));
    }

    void wholeRunShares() {
        profiler::Breakdown b;
        b.data_wait_ns = 30;
        b.compute_ns = 60;
        b.host_ns = 10;
        b.wall_ns = 100;
        const PartShares sh = shares_of(b);
        QCOMPARE(sh[static_cast<size_t>(Part::DataWait)], 0.3);
        QCOMPARE(sh[static_cast<size_t>(Part::Compute)], 0.6);
        QCOMPARE(sh[static_cast<size_t>(Part::Host)], 0.1);
        QCOMPARE(shares_of(profiler::Breakdown{})[0], 0.0);
        engine::RunSnapshot s;
        s.run_breakdown = b;
        s.run_breakdown_iterations = 1234;
        s.state = engine::RunState::Running;
        RunStatusPanel panel;
        panel.showSnapshot(s);
        QCOMPARE(panel.runShareBar()->shares()[static_cast<size_t>(Part::Compute)], 0.6);
        QVERIFY(panel.runSharesLabel()->text().contains(QStringLiteral("30%")));
    }

    void importedPartsAreDrawnAndListedOnlyWhenThere() {
        // An imported step: 40 compute, 30 comm, 10 other GPU work, 20 host (ms).
        engine::IterationRecord r = record(0, 0, 40, 20);
        r.breakdown.comm_ns = 30'000'000;
        r.breakdown.other_gpu_ns = 10'000'000;
        r.breakdown.wall_ns = r.breakdown.parts_sum();
        const std::vector<engine::IterationRecord> imported = {r};
        const PartShares s = mean_shares(imported);
        QCOMPARE(s[static_cast<size_t>(Part::Comm)], 0.3);
        QCOMPARE(s[static_cast<size_t>(Part::OtherGpu)], 0.1);
        QCOMPARE(s[static_cast<size_t>(Part::Host)], 0.2);
        QCOMPARE(QString::fromStdString(format_shares(s)),
                 QString::fromUtf8("compute 40% \u00b7 comm 30% \u00b7 other gpu 10% \u00b7 host 20%"));
        const BreakdownColumns cols = last_columns(imported, 4);
        QCOMPARE(cols.ms[static_cast<size_t>(Part::Comm)].back(), 30.0);
        QCOMPARE(cols.max_total_ms, 100.0);

        BreakdownBarChart chart;
        chart.setColumns(last_columns(std::vector<engine::IterationRecord>{record(0, 1, 2, 1)}, BreakdownBarChart::kColumns));
        const QStringList own = {QStringLiteral("Data wait"), QStringLiteral("H2D copy"), QStringLiteral("Compute"),
                                 QStringLiteral("D2H copy"), QStringLiteral("Host")};
        QCOMPARE(chart.legendLabels(), own);
        chart.setColumns(last_columns(imported, BreakdownBarChart::kColumns));
        QCOMPARE(chart.legendLabels(),
                 (QStringList{QStringLiteral("Data wait"), QStringLiteral("H2D copy"), QStringLiteral("Compute"),
                              QStringLiteral("Comm"), QStringLiteral("D2H copy"), QStringLiteral("Other GPU work"),
                              QStringLiteral("Host")}));
        QVERIFY(part_colour(Part::Comm) != part_colour(Part::Host));
        QVERIFY(part_colour(Part::OtherGpu) != part_colour(Part::Host));

        ShareBar bar;
        bar.setShares(s);
        QVERIFY(bar.toolTip().contains(QStringLiteral("Comm: 30.0%")));
        bar.setShares(mean_shares(std::vector<engine::IterationRecord>{record(0, 1, 2, 1)}));
        QVERIFY(!bar.toolTip().contains(QStringLiteral("Comm")));
    }

    void knobLabels() {
        engine::KnobChange k;
        k.knob = "batch_size";
        k.old_value = 128;
        k.new_value = 64;
        QCOMPARE(QString::fromStdString(knob_change_label(k)), QString::fromUtf8("batch 128\u219264"));
        k.knob = "prefetch_depth";
        QCOMPARE(QString::fromStdString(knob_change_label(k)), QString::fromUtf8("prefetch 128\u219264"));
        QCOMPARE(QString::fromStdString(backend_display_name("cpu")), QStringLiteral("CPU (OpenBLAS)"));
        QCOMPARE(QString::fromStdString(backend_display_name("CPU, OpenBLAS 0.3.21 DYNAMIC_ARCH (core: Haswell)")),
                 QStringLiteral("CPU (OpenBLAS 0.3.21)"));
        engine::RunSnapshot cpu;
        QCOMPARE(QString::fromStdString(backend_status(cpu)), QStringLiteral("Backend: CPU (OpenBLAS)"));
        engine::RunSnapshot gpu;
        gpu.backend = "cuda";
        gpu.device.name = "NVIDIA H100";
        gpu.gpu_timing.mode = profiler::GpuTimingMode::CudaEvents;
        QCOMPARE(QString::fromStdString(backend_status(gpu)),
                 QString::fromUtf8("Backend: GPU (CUDA) \u00b7 NVIDIA H100 \u00b7 timing: CUDA events (no CUPTI)"));
        gpu.gpu_timing.mode = profiler::GpuTimingMode::Cupti;
        gpu.device.cupti_dropped = 12;
        QCOMPARE(QString::fromStdString(backend_status(gpu)),
                 QString::fromUtf8("Backend: GPU (CUDA) \u00b7 NVIDIA H100 \u00b7 timing: CUPTI \u00b7 12 CUPTI records dropped"));
        QCOMPARE(QString::fromStdString(group_thousands(1234567.4)), QString::fromUtf8("1\u2009234\u2009567"));
        QCOMPARE(QString::fromStdString(group_thousands(999)), QStringLiteral("999"));
    }

    void axisArithmetic() {
        QCOMPARE(nice_ceil(0), 1.0);
        QCOMPARE(nice_ceil(3.2), 5.0);
        QCOMPARE(nice_ceil(20), 20.0);
        QCOMPARE(nice_ceil(0.021), 0.025);
        QCOMPARE(nice_ceil(7300), 10000.0);
        QCOMPARE(decimals_for_step(0.25), 2);
        QCOMPARE(decimals_for_step(20), 0);
        QCOMPARE(sticky_axis_max(10, 9), 10.0);   // small drops keep the axis
        QCOMPARE(sticky_axis_max(10, 3.5), 4.0);  // big drops shrink it
        QCOMPARE(sticky_axis_max(50, 30.2), 40.0);  // a clear step down with room to spare
        QCOMPARE(sticky_axis_max(50, 26), 30.0);
        QCOMPARE(sticky_axis_max(40, 29), 40.0);  // hovering just below a step: keep
        QCOMPARE(sticky_axis_max(10, 11), 12.0);  // growth is immediate
        QCOMPARE(nice_axis_max(26), 30.0);
        QCOMPARE(nice_axis_max(0.7), 0.8);
        const auto idx = decimation_indices(10'000, 600);
        QVERIFY(idx.size() <= 600);
        QCOMPARE(idx.front(), size_t(0));
        QCOMPARE(idx.back(), size_t(9'999));
        QCOMPARE(decimation_indices(5, 600).size(), size_t(5));
    }

    void timelinePlacesEpochsAndKnobChanges() {
        engine::RunSnapshot s;
        s.recent = {record(0, 1, 8, 1), record(1, 1, 8, 1)};
        s.elapsed_s = 2.0;  // the newest iteration ends at 2.0 s
        engine::KnobChange k;
        k.knob = "batch_size";
        k.time_ns = s.recent.back().end_ns - 500'000'000;  // 0.5 s before
        s.knob_changes = {k};
        engine::EpochRecord e;
        e.epoch = 1;
        e.test_accuracy = 0.8;
        s.epochs_done = {e};
        RunTimeline t;
        t.observe(s);
        QCOMPARE(t.knob_changes().size(), size_t(1));
        QVERIFY(qAbs(t.knob_changes()[0].t_s - 1.5) < 1e-9);
        QCOMPARE(t.test_accuracy().size(), size_t(1));
        QCOMPARE(t.test_accuracy()[0].value, 80.0);
        s.elapsed_s = 3.0;
        t.observe(s);  // already placed: nothing moves
        QVERIFY(qAbs(t.knob_changes()[0].t_s - 1.5) < 1e-9);
        QCOMPARE(t.test_accuracy()[0].t_s, 2.0);
        engine::EpochRecord stopped;  // a stopped epoch is not evaluated: no accuracy point
        stopped.epoch = 2;
        stopped.test_accuracy = -1;
        s.epochs_done.push_back(stopped);
        t.observe(s);
        QCOMPARE(t.test_accuracy().size(), size_t(1));
        QCOMPARE(t.epoch_loss().size(), size_t(2));
        t.reset();
        QVERIFY(t.knob_changes().empty());
    }

    void epochTableModelIsAWellBehavedModel() {
        EpochTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::vector<engine::EpochRecord> epochs(2);
        epochs[0].epoch = 1;
        epochs[0].train_loss = 0.61234;
        epochs[0].test_accuracy = 0.8123;
        epochs[0].samples_per_s = 15234;
        epochs[0].mean_breakdown.wall_ns = 100;
        epochs[0].mean_breakdown.data_wait_ns = 25;
        epochs[1].epoch = 2;
        model.setEpochs(epochs);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(EpochTableModel::ColumnCount));
        QCOMPARE(model.index(0, EpochTableModel::Loss).data().toString(), QStringLiteral("0.612"));
        QCOMPARE(model.index(0, EpochTableModel::Accuracy).data().toString(), QStringLiteral("81.2%"));
        QCOMPARE(model.index(0, EpochTableModel::DataWait).data().toString(), QStringLiteral("25%"));
        model.setEpochs({});
        QCOMPARE(model.rowCount(), 0);
    }
};

int run_view_logic_tests(int argc, char** argv) {
    ViewLogicTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "view_logic_test.moc"
