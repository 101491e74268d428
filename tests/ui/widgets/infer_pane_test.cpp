// The inference tab on the real engine: a missing checkpoint is refused with what to do; a run
// serves a checkpoint and fills the percentile lines, the latency histogram and the batch-size
// histogram; a knob typed while serving reaches the run and is marked; the serving verdict of a
// hand-built window shows its advice and Apply sends it.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "batchscope/engine/checkpoint.h"
#include "batchscope/engine/gpu_probe.h"
#include "batchscope/engine/mlp.h"
#include "charts/histogram_chart.h"
#include "charts/time_series_chart.h"
#include "device_tables.h"
#include "infer_gpu_view.h"
#include "infer_pane.h"
#include "infer_verdict_view.h"
#include "batchscope/profiler/clock.h"

using namespace batchscope;
using namespace batchscope::ui;

class InferPaneTest : public QObject {
    Q_OBJECT
private slots:
    void barsFromHistograms() {
        std::vector<engine::infer::HistogramBin> bins = {{1000, 1259, 0}, {1259, 1585, 3}, {1585, 1995, 0},
                                                         {1995, 2512, 5}, {2512, 3162, 0}};
        const Bars b = latency_bars(bins);
        QCOMPARE(b.labels, (std::vector<std::string>{"1.3", "1.6", "2.0"}));
        QCOMPARE(b.counts, (std::vector<double>{3, 0, 5}));
        const Bars s = batch_bars({0, 7, 0, 2, 0, 0});
        QCOMPARE(s.labels, (std::vector<std::string>{"1", "2", "3"}));
        QCOMPARE(s.counts, (std::vector<double>{7, 0, 2}));
    }

    void missingCheckpointIsRefused() {
        InferPane pane(QStringLiteral("/nonexistent/model.ckpt"));
        pane.startRun();
        QVERIFY(!pane.preparing() && !pane.run());
        QVERIFY(pane.messageLabel()->text().contains(QStringLiteral("does not exist")));
        // Ranges come from InferLimits: out-of-range values cannot be entered.
        pane.maxBatchSpin()->setValue(100000);
        QCOMPARE(pane.maxBatchSpin()->value(), engine::infer::InferLimits::kMaxMaxBatch);
        pane.modeCombo()->setCurrentIndex(pane.modeCombo()->findData(static_cast<int>(engine::infer::LoadMode::Closed)));
        QVERIFY(!pane.rateSpin()->isEnabled() && pane.concurrencySpin()->isEnabled());
    }

    // Serving on the GPU where there is none: the run fails with the probe's reason, shown in the
    // pane (never a silent CPU run).
    void gpuServingWithoutAGpuFailsSayingWhy() {
        if (engine::probe_gpu().usable) QSKIP("a GPU is usable here");
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("m.ckpt"));
        engine::save_checkpoint(ckpt.toStdString(), engine::Mlp({784, 16, 10}, 1), {});
        InferPane pane(ckpt);
        engine::infer::InferConfig c = pane.config();
        QCOMPARE(QString::fromStdString(c.backend), QStringLiteral("cpu"));
        c.backend = "cuda";
        pane.setConfig(c);
        QCOMPARE(pane.backendCombo()->currentData().toString(), QStringLiteral("cuda"));
        QCOMPARE(QString::fromStdString(pane.config().backend), QStringLiteral("cuda"));
        pane.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(pane.messageLabel()->text().contains(QStringLiteral("GPU")), 30'000);
        QVERIFY(!pane.run() || pane.run()->snapshot()->state == engine::RunState::Failed);
    }

    void servesAndAppliesKnobsLive() {
        QTemporaryDir dir;
        const QString ckpt = dir.filePath(QStringLiteral("m.ckpt"));
        engine::save_checkpoint(ckpt.toStdString(), engine::Mlp({784, 256, 128, 10}, 1), {});
        InferPane pane(ckpt);
        pane.resize(1200, 700);
        pane.show();
        pane.rateSpin()->setValue(3000);
        pane.maxBatchSpin()->setValue(4);
        pane.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(pane.run() && pane.shownSnapshot() && pane.shownSnapshot()->totals.completed > 500,
                                 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(pane.percentileChart()->pointCount(0) > 0, 10'000);
        QVERIFY(pane.latencyHistogram()->binCount() > 0);
        QVERIFY(pane.batchHistogram()->binCount() >= 1 && pane.batchHistogram()->binCount() <= 4);

        QSpinBox* mb = pane.maxBatchSpin();
        mb->setFocus();
        QTest::keyClick(mb, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(mb, QStringLiteral("16"));
        QTest::keyClick(mb, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(pane.run()->snapshot()->max_batch, 16, 10'000);
        auto s = pane.run()->snapshot();
        bool marked = false;
        for (const auto& k : s->knob_changes) marked = marked || (k.knob == "max_batch" && k.old_value == 4 && k.new_value == 16);
        QVERIFY(marked);
        QVERIFY(!pane.modeCombo()->isEnabled());  // not live
        pane.stopRun();
        QTRY_VERIFY_WITH_TIMEOUT(pane.run()->snapshot()->state == engine::RunState::Stopped ||
                                     pane.run()->snapshot()->state == engine::RunState::Finished,
                                 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(pane.startButton()->isEnabled(), 5'000);
        // A CPU stream: the GPU tab says there is no GPU work, and how the phases were timed.
        pane.viewTabs()->setCurrentWidget(pane.gpuView());
        QTRY_VERIFY_WITH_TIMEOUT(pane.gpuView()->summaryText().startsWith(QStringLiteral("CPU backend")), 5'000);
        QVERIFY2(pane.gpuView()->summaryText().contains(QStringLiteral("host clock")),
                 qPrintable(pane.gpuView()->summaryText()));
        QCOMPARE(pane.gpuView()->kernelEmptyText(), QStringLiteral("CPU backend: no GPU kernels"));
    }

    // The GPU tab of a stream on a GPU service, from hand-built results: CUPTI's tables and counts,
    // or, with CUDA events, why there are no tables.
    void gpuViewShowsTheStreamsTablesOrWhyNot() {
        engine::infer::InferResult r;
        r.device.name = "NVIDIA H100 80GB HBM3";
        r.timing = "h2d, compute and d2h from CUPTI activity records";
        r.gpu_timing.mode = profiler::GpuTimingMode::Cupti;
        r.gpu_timing.reason.clear();
        r.device.cupti_records = 900;
        r.device.cupti_dropped = 3;
        r.batches_from_records = 298;
        r.batches_from_events = 2;
        r.device.kernels = {{"sgemm_32x32", 600, 6'000'000, 20'000}, {"bias_act", 600, 1'200'000, 4'000}};
        profiler::CopyRow in;
        in.direction = profiler::CopyDirection::HtoD;
        in.pinned = true;
        in.calls = 300;
        in.bytes = 300 * 3136;
        in.total_ns = 600'000;
        r.device.copies = {in};
        InferGpuView v;
        v.showResult(r);
        QCOMPARE(v.kernelModel()->rowCount(), 2);
        QCOMPARE(v.copyModel()->rowCount(), 1);
        QVERIFY(v.kernelEmptyText().isEmpty() && v.copyEmptyText().isEmpty());
        QVERIFY2(v.summaryText().contains(QStringLiteral("H100")), qPrintable(v.summaryText()));
        QVERIFY(v.summaryText().contains(QStringLiteral("900 CUPTI records, 3 dropped")));
        QVERIFY(v.summaryText().contains(QStringLiteral("phases from records: 298 batches, from CUDA events: 2")));

        r.gpu_timing.mode = profiler::GpuTimingMode::CudaEvents;
        r.gpu_timing.reason = "another profiler is attached";
        r.timing = "h2d, compute and d2h timed with CUDA events; CUPTI unavailable: another profiler is attached";
        r.device.kernels.clear();
        r.device.copies.clear();
        v.showResult(r);
        QVERIFY2(v.kernelEmptyText().contains(QStringLiteral("needs CUPTI")), qPrintable(v.kernelEmptyText()));
        QVERIFY(v.kernelEmptyText().contains(QStringLiteral("another profiler is attached")));
        QVERIFY(v.summaryText().contains(QStringLiteral("CUDA events")));
        QVERIFY(!v.summaryText().contains(QStringLiteral("CUPTI records")));
    }

    void servingVerdictShowsTheAdviceAndApplySendsIt() {
        // The last 1.5 s: every 5 ms, 18 requests 100 us apart; max batch 32 and a 5 ms queue delay
        // hold each group until 5 ms after its first, then it is served in 200 us: the requests
        // wait for a fuller batch while the server idles.
        using namespace engine::infer;
        RequestWindowSink window;
        const int64_t t0 = profiler::now_ns() - 1'500'000'000;
        std::vector<RequestRecord> batch;
        for (int64_t b = 0; b < 280; ++b) {
            batch.clear();
            const int64_t first = t0 + b * 5'000'000, start = first + 5'000'000 - 1'000;
            for (int64_t k = 0; k < 18; ++k) {
                RequestRecord r;
                r.id = b * 18 + k;
                r.scheduled_ns = r.issued_ns = first + k * 100'000;
                r.start_ns = start;
                r.done_ns = start + 200'000;
                r.compute_ns = 200'000;
                r.batch_size = 18;
                batch.push_back(r);
            }
            window.on_batch(batch);
        }
        InferSnapshot s;
        s.state = engine::RunState::Running;
        s.mode = LoadMode::Poisson;
        s.rate = 3600;
        s.max_batch = 32;
        s.queue_delay_us = 5000;
        InferVerdictView v;
        v.update(s, &window);
        QVERIFY2(v.text().contains(QStringLiteral("waiting for a fuller batch")), qPrintable(v.text()));
        QVERIFY2(v.text().contains(QStringLiteral("expected:")), qPrintable(v.text()));
        QVERIFY(v.applyButton()->isEnabled());
        knobs::Knob sent = knobs::Knob::Rate;
        double value = -1;
        connect(&v, &InferVerdictView::applyRequested, this, [&](knobs::Knob k, double x) { sent = k, value = x; });
        v.applyButton()->click();
        QCOMPARE(sent, knobs::Knob::QueueDelayUs);
        QVERIFY2(value >= 0 && value < 5000, qPrintable(QString::number(value)));
        QVERIFY(!v.applyButton()->isEnabled());
    }

    void servingVerdictChecksAChangeMadeByHand() {
        // Before the change: every 5 ms, 18 requests 100 us apart held by a 5 ms queue delay (max
        // batch 32): waiting for a fuller batch, the advice a shorter delay. Then max batch 32 → 12
        // by hand (a value no advice gives), and batches of 8 from then on. A second view sees max batch
        // and queue delay changed at once: nothing predicted, nothing claimed.
        using namespace engine::infer;
        const int64_t t0 = profiler::now_ns() - 1'900'000'000;
        auto groups = [](RequestWindowSink& w, int64_t first_id, int64_t start_ns, int n, int size) {
            std::vector<RequestRecord> batch;
            for (int64_t b = 0; b < n; ++b) {
                batch.clear();
                const int64_t first = start_ns + b * 5'000'000, start = first + 5'000'000 - 1'000;
                for (int64_t k = 0; k < size; ++k) {
                    RequestRecord r;
                    r.id = first_id + b * size + k;
                    r.scheduled_ns = r.issued_ns = first + k * 100'000;
                    r.start_ns = size == 18 ? start : first + (size - 1) * 100'000;
                    r.done_ns = r.start_ns + 200'000;
                    r.compute_ns = 200'000;
                    r.batch_size = size;
                    batch.push_back(r);
                }
                w.on_batch(batch);
            }
        };
        RequestWindowSink window;
        groups(window, 0, t0, 180, 18);  // ids 0-3239, answered up to 1 s ago
        InferSnapshot s;
        s.state = engine::RunState::Running;
        s.mode = LoadMode::Poisson;
        s.rate = 3600;
        s.max_batch = 32;
        s.queue_delay_us = 5000;
        InferVerdictView v, both;
        v.update(s, &window);
        both.update(s, &window);
        QVERIFY(v.verdict() && !v.verdict()->advice.empty());
        QCOMPARE(v.verdict()->advice.front().knob, knobs::Knob::QueueDelayUs);
        const QString advice = QString::fromStdString(v.verdict()->advice.front().change());
        // The change, 0.95 s ago, then 100 batches of 8 after it.
        engine::KnobChange k;
        k.time_ns = profiler::now_ns() - 950'000'000;
        k.iteration = 3240;
        k.knob = "max_batch";
        k.old_value = 32;
        k.new_value = 12;
        s.knob_changes.push_back(k);
        s.max_batch = 12;
        groups(window, 3240, t0 + 1'000'000'000, 100, 8);
        InferSnapshot s2 = s;
        k.knob = "queue_delay_us";
        k.old_value = 5000;
        k.new_value = 1000;
        s2.knob_changes.push_back(k);
        s2.queue_delay_us = 1000;
        QTest::qWait(1100);  // the view judges at most once a second; the check needs 2 s after the change
        v.update(s, &window);
        both.update(s2, &window);
        QVERIFY2(v.text().contains(QStringLiteral("Change max batch 32 → 12 (the last advice was %1): predicted p99 ").arg(advice)),
                 qPrintable(v.text()));
        QVERIFY2(v.text().contains(QStringLiteral("; measured p99 ")), qPrintable(v.text()));
        QVERIFY2(!both.text().contains(QStringLiteral("predicted p99")), qPrintable(both.text()));
    }
};

int run_infer_pane_tests(int argc, char** argv) {
    InferPaneTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "infer_pane_test.moc"
