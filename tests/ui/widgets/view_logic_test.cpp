// View logic that needs Qt: the run status panel's shares, axis arithmetic, the epoch table model
// (the Qt-free view models are tested without a window in tests/ui/views).
#include <QAbstractItemModelTester>
#include <QTest>
#include <QLabel>

#include "breakdown_stats.h"
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
