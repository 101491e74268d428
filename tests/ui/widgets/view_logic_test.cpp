// View logic that needs Qt: the run status panel's shares, axis arithmetic, the epoch table model
// (the Qt-free view models are tested without a window in tests/ui/views).
#include <QAbstractItemModelTester>
#include <QTest>
#include <QLabel>

#include "breakdown_stats.h"
#include "charts/breakdown_bar_chart.h"
#include "phase_style.h"
#include "charts/axis_range.h"
#include "epoch_table_model.h"
#include "share_bar.h"
#include "run_status_panel.h"

using namespace batchscope;
using namespace batchscope::ui;

class ViewLogicTest : public QObject {
    Q_OBJECT
private slots:
    // The shares themselves: tests/ui/views (no window).
    void runStatusPanelShowsWholeRunShares() {
        profiler::Breakdown b;
        b.data_wait_ns = 30;
        b.compute_ns = 60;
        b.host_ns = 10;
        b.wall_ns = 100;
        engine::RunSnapshot s;
        s.run_breakdown = b;
        s.run_breakdown_iterations = 1234;
        s.state = engine::RunState::Running;
        RunStatusPanel panel;
        panel.showSnapshot(s);
        QCOMPARE(panel.runShareBar()->shares()[static_cast<size_t>(Part::Compute)], 0.6);
        QVERIFY(panel.runSharesLabel()->text().contains(QStringLiteral("30%")));
    }

    // An imported step's comm and other GPU work are drawn and listed; our own runs keep five parts.
    void importedPartsAreDrawnAndListedOnlyWhenThere() {
        auto step = [](int64_t compute_ms, int64_t comm_ms, int64_t other_ms, int64_t host_ms) {
            engine::IterationRecord r;
            r.batch_size = 128;
            r.breakdown.compute_ns = compute_ms * 1'000'000;
            r.breakdown.comm_ns = comm_ms * 1'000'000;
            r.breakdown.other_gpu_ns = other_ms * 1'000'000;
            r.breakdown.host_ns = host_ms * 1'000'000;
            r.breakdown.wall_ns = r.breakdown.parts_sum();
            r.end_ns = r.breakdown.wall_ns;
            return r;
        };
        const std::vector<engine::IterationRecord> imported = {step(40, 30, 10, 20)};
        const std::vector<engine::IterationRecord> own = {step(2, 0, 0, 1)};

        BreakdownBarChart chart;
        chart.setColumns(last_columns(own, BreakdownBarChart::kColumns));
        QCOMPARE(chart.legendLabels(), (QStringList{QStringLiteral("Data wait"), QStringLiteral("H2D copy"),
                                                    QStringLiteral("Compute"), QStringLiteral("D2H copy"),
                                                    QStringLiteral("Host")}));
        chart.setColumns(last_columns(imported, BreakdownBarChart::kColumns));
        QCOMPARE(chart.legendLabels(),
                 (QStringList{QStringLiteral("Data wait"), QStringLiteral("H2D copy"), QStringLiteral("Compute"),
                              QStringLiteral("Comm"), QStringLiteral("D2H copy"), QStringLiteral("Other GPU work"),
                              QStringLiteral("Host")}));
        QVERIFY(part_colour(Part::Comm) != part_colour(Part::Host));
        QVERIFY(part_colour(Part::OtherGpu) != part_colour(Part::Host));

        ShareBar bar;
        bar.setShares(mean_shares(imported));
        QVERIFY(bar.toolTip().contains(QStringLiteral("Comm: 30.0%")));
        bar.setShares(mean_shares(own));
        QVERIFY(!bar.toolTip().contains(QStringLiteral("Comm")));
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
