// The verdict panel: the verdict and advice of a constructed window, the effect of an applied
// change, and on the real engine: the apply button sends the advised knob to the live run.
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSignalSpy>
#include <QTest>

#include "batchscope/engine/training_run.h"
#include "main_window.h"
#include "verdict_logic.h"
#include "verdict_panel.h"

using namespace batchscope;
using namespace batchscope::ui;

namespace {

engine::IterationRecord rec(int64_t iteration, int64_t wait_us, int64_t compute_us, int batch = 128) {
    engine::IterationRecord r;
    r.iteration = iteration;
    r.epoch = 1;
    r.batch_size = batch;
    r.start_ns = iteration * 10'000'000;
    r.breakdown.data_wait_ns = wait_us * 1000;
    r.breakdown.compute_ns = compute_us * 1000;
    r.breakdown.host_ns = 50'000;
    r.breakdown.wall_ns = r.breakdown.parts_sum();
    r.end_ns = r.start_ns + r.breakdown.wall_ns;
    // The loader: 1.5 ms of decoding per batch (one worker keeps up with a 1.9 ms compute on
    // average), and the queue is empty when a starved step begins.
    r.load.parts.decode_ns = 1'500'000;
    r.load.start_ns = r.start_ns - 1'500'000;
    r.load.end_ns = r.start_ns;
    r.load.worker = 0;
    r.queue_depth = wait_us > 100 ? 0 : 3;
    return r;
}

// `n` input-bound iterations (62% data wait) at prefetch 1, workers 1, the worker mostly idle
// and the queue dry (the advice: a deeper queue); then, if `after` > 0, a
// change of prefetch depth to 4 and `after` compute-bound iterations.
engine::RunSnapshot input_bound_run(int n, int after = 0) {
    engine::RunSnapshot s;
    s.state = engine::RunState::Running;
    s.batch_size = 128;
    s.prefetch_depth = 1;
    s.workers = 1;
    for (int i = 0; i < n; ++i) s.recent.push_back(rec(i, 3100, 1850));
    if (after > 0) {
        s.knob_changes.push_back({s.recent.back().end_ns, n, "prefetch_depth", 1, 4});
        s.prefetch_depth = 4;
        for (int i = n; i < n + after; ++i) s.recent.push_back(rec(i, 50, 1850));
    }
    return s;
}

}  // namespace

class VerdictTest : public QObject {
    Q_OBJECT
private slots:
    void noVerdictBeforeTenIterations() {
        QVERIFY(!current_verdict(input_bound_run(kVerdictMinWindow - 1)));
        QVERIFY(current_verdict(input_bound_run(kVerdictMinWindow)));
    }

    void inputBoundWindowAdvisesALiveKnob() {
        const auto v = current_verdict(input_bound_run(80));
        QVERIFY(v);
        QCOMPARE(v->verdict.bottleneck, profiler::Bottleneck::InputBound);
        QCOMPARE(v->last_iteration, int64_t(79));
        QCOMPARE(v->first_iteration, int64_t(80 - kVerdictWindow));
        QVERIFY(!v->verdict.advice.empty());
        QVERIFY(live_knob(v->verdict.advice.front().knob));
        QVERIFY(v->verdict.advice.front().knob == knobs::Knob::PrefetchDepth);
        QCOMPARE(v->verdict.advice.front().knob_name(), std::string("prefetch_depth"));
        QCOMPARE(v->verdict.advice.front().to, int64_t(4));
        QVERIFY(v->verdict.advice.front().expected.valid());
        QVERIFY(!live_knob("pinned_memory"));
    }

    void windowStartsAfterTheNewestChange() {
        const engine::RunSnapshot s = input_bound_run(60, 30);
        const VerdictWindow w = verdict_window(s);
        QCOMPARE(s.recent[w.first].iteration, int64_t(60 + kEffectSettle));
        const auto v = current_verdict(s);
        QVERIFY(v);
        QVERIFY(v->verdict.bottleneck != profiler::Bottleneck::InputBound);
        // Too few after the change: the last 50 iterations, before and after, are judged.
        const engine::RunSnapshot few = input_bound_run(60, 5);
        QCOMPARE(verdict_window(few).count, size_t(kVerdictWindow));
    }

    void effectIsShownOnlyOnceMeasured() {
        AppliedEffect none = applied_effect(input_bound_run(60), "prefetch_depth", 4);
        QVERIFY(!none.applied);
        AppliedEffect early = applied_effect(input_bound_run(60, 5), "prefetch_depth", 4);
        QVERIFY(early.applied);
        QCOMPARE(early.iterations_after, int64_t(5));
        QVERIFY(!early.effect);
        AppliedEffect done = applied_effect(input_bound_run(60, 40), "prefetch_depth", 4);
        QVERIFY(done.effect && done.effect->measured);
        QCOMPARE(done.effect->verdict_before, profiler::Bottleneck::InputBound);
        QVERIFY(done.effect->throughput_change > 0.5);
        QVERIFY(done.effect->text.find("prefetch depth 1") != std::string::npos);
    }

    void panelShowsVerdictAdviceAndEffect() {
        VerdictPanel panel;
        QSignalSpy spy(&panel, &VerdictPanel::applyRequested);
        engine::RunSnapshot s = input_bound_run(60);
        panel.showSnapshot(s);
        QVERIFY(panel.headlineLabel()->text().startsWith(QStringLiteral("input-bound")));
        QVERIFY(!panel.adviceLabel()->text().isEmpty());
        QVERIFY(panel.applyButton()->isEnabled());
        panel.applyButton()->click();
        QCOMPARE(spy.count(), 1);
        const QString knob = spy.at(0).at(0).toString();
        QVERIFY(live_knob(knob.toStdString()));

        panel.noteApplied(QStringLiteral("prefetch_depth"), 1, 4);
        QVERIFY(panel.effectLabel()->text().contains(QStringLiteral("measuring")));
        panel.showSnapshot(input_bound_run(60, 40));
        QVERIFY2(panel.effectLabel()->text().startsWith(QStringLiteral("What changed")),
                 qPrintable(panel.effectLabel()->text()));
        // The applied advice's prediction against what was measured after it.
        QVERIFY2(panel.effectLabel()->text().contains(QStringLiteral("predicted")), qPrintable(panel.effectLabel()->text()));
        QVERIFY2(panel.effectLabel()->text().contains(QStringLiteral("measured")), qPrintable(panel.effectLabel()->text()));

        s.state = engine::RunState::Stopped;  // nothing to apply to
        panel.showSnapshot(s);
        QVERIFY(!panel.applyButton()->isEnabled());
    }

    // The real engine: emulated slow storage without loader workers is input-bound; the button
    // sends the advised knob, the run applies it and records the change, the panel reports it.
    void applyButtonChangesTheLiveRun() {
        engine::TrainConfig c;
        c.train_limit = 4000;
        c.test_limit = 500;
        c.epochs = 50;
        c.batch_size = 32;
        c.prefetch_depth = 0;
        c.workers = 0;
        c.storage = engine::data::StorageKind::EmulatedSataSsd;
        MainWindow w(c);
        w.setRememberSettings(false);
        w.show();
        w.startRun();
        QTRY_VERIFY_WITH_TIMEOUT(w.verdictPanel()->applyButton()->isEnabled(), 60'000);
        QVERIFY2(w.verdictPanel()->headlineLabel()->text().contains(QStringLiteral("input-bound")),
                 qPrintable(w.verdictPanel()->headlineLabel()->text()));
        QSignalSpy spy(w.verdictPanel(), &VerdictPanel::applyRequested);
        w.verdictPanel()->applyButton()->click();
        QCOMPARE(spy.count(), 1);
        const std::string knob = spy.at(0).at(0).toString().toStdString();
        const int value = spy.at(0).at(1).toInt();
        auto has_change = [&] {
            auto s = w.run()->snapshot();
            for (const auto& k : s->knob_changes)
                if (k.knob == knob && k.new_value == value) return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(has_change(), 15'000);
        QSpinBox* spin = knob == "workers" ? w.workersSpin() : knob == "prefetch_depth" ? w.prefetchSpin() : w.batchSpin();
        QCOMPARE(spin->value(), value);
        QTRY_VERIFY_WITH_TIMEOUT(
            w.verdictPanel()->effectLabel()->text().startsWith(QStringLiteral("What changed")), 60'000);
        w.stopRun();
    }
};

int run_verdict_tests(int argc, char** argv) {
    VerdictTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "verdict_test.moc"
