// The Live tab's Pipeline and GPU & memory sub-tabs on constructed snapshots (lanes and
// rectangles, queue and worker series, memory and device tables, empty states), the sub-tabs
// fed only while shown, the lanes of a real short CPU training run, and the host copies of an
// emulated GPU run (the fake plugin) with pinned memory off.
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

#include <QScopeGuard>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "app_options.h"
#include "batchscope/engine/data/storage_profile.h"
#include "batchscope/engine/training_run.h"
#include "batchscope/profiler/event_store.h"
#include "charts/presenter_style.h"
#include "charts/time_series_chart.h"
#include "device_tables.h"
#include "gpu_memory_view.h"
#include "idx_fixture.h"
#include "lane_model.h"
#include "lane_timeline.h"
#include "live_tabs.h"
#include "live_views.h"
#include "main_window.h"
#include "memory_view.h"
#include "pipeline_view.h"
#include "worker_bars.h"

using namespace batchscope;
using profiler::Event;
using profiler::Lane;
using profiler::LaneKind;
using profiler::Phase;

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int kIters = 20;

// 20 iterations of 10 ms on the controller (data wait, h2d, compute, host inside an iteration),
// two loader workers building the batches, and on the GPU a copy and a compute stream.
std::vector<Event> pipeline_events(bool gpu) {
    std::vector<Event> ev;
    const Lane ctl{LaneKind::Controller, 0};
    for (int i = 0; i < kIters; ++i) {
        const int64_t t = 100 * kMs + i * 10 * kMs;
        const Lane worker{LaneKind::LoaderWorker, static_cast<uint8_t>(i % 2)};
        ev.push_back(profiler::make_event(Phase::Load, t - 16 * kMs, t - 1 * kMs, worker, i));
        ev.push_back(profiler::make_event(Phase::ReadPhase, t - 16 * kMs, t - 8 * kMs, worker, i));
        ev.push_back(profiler::make_event(Phase::DataWait, t, t + 1 * kMs, ctl, i));
        ev.push_back(profiler::make_event(Phase::H2D, t + 1 * kMs, t + 2 * kMs, ctl, i, 4096));
        ev.push_back(profiler::make_event(Phase::Compute, t + 2 * kMs, t + 9 * kMs, ctl, i));
        ev.push_back(profiler::make_event(Phase::Host, t + 9 * kMs, t + 10 * kMs, ctl, i));
        ev.push_back(profiler::make_event(Phase::Iteration, t, t + 10 * kMs, ctl, i));
        if (gpu) {
            ev.push_back(profiler::make_event(Phase::H2D, t + 1 * kMs, t + 2 * kMs, {LaneKind::CopyStream, 0}, i));
            ev.push_back(profiler::make_event(Phase::Compute, t + 2 * kMs, t + 8 * kMs, {LaneKind::ComputeStream, 0}, i));
        }
    }
    return ev;
}

profiler::EventWindow window_of(profiler::EventStore& store, const std::vector<Event>& ev) {
    store.append(ev);
    return store.window(engine::RunSnapshot::kSnapshotEvents);
}

engine::RunSnapshot snapshot_with(profiler::EventWindow events) {
    engine::RunSnapshot s;
    s.state = engine::RunState::Running;
    s.iterations_done = kIters;
    s.events = std::move(events);
    return s;
}

engine::RunSnapshot gpu_snapshot(profiler::GpuTimingMode mode) {
    engine::RunSnapshot s;
    s.state = engine::RunState::Running;
    s.backend = "cuda";
    s.gpu_timing.mode = mode;
    s.gpu_timing.reason = "another profiler is attached";
    s.device.name = "NVIDIA H100 80GB HBM3";
    s.device.memory_total = int64_t{80} << 30;
    s.device.memory_free = int64_t{70} << 30;
    s.device.memory_run = int64_t{2} << 30;
    s.memory.weights = 1 << 20;
    s.memory.batch_buffers = 3 << 20;
    if (mode == profiler::GpuTimingMode::Cupti) {
        s.device.cupti_records = 1234;
        s.device.cupti_dropped = 5;
        s.device.kernels = {{"sgemm_128x64", 300, 9'000'000, 40'000},
                            {"relu_fwd", 200, 1'000'000, 9'000},
                            {"softmax_xent", 100, 500'000, 7'000}};
        s.device.copies = {{profiler::CopyDirection::HtoD, true, 100, 100u << 20, 8'000'000},
                           {profiler::CopyDirection::DtoH, false, 100, 400, 300'000}};
    }
    return s;
}

}  // namespace

class PipelineViewsTest : public QObject {
    Q_OBJECT
private slots:
    void lanesAreOrderedWorkersControllerStreams() {
        profiler::EventStore store;
        ui::LaneModel m;
        QVERIFY(m.ingest(window_of(store, pipeline_events(true))));
        const std::vector<Lane> want = {{LaneKind::LoaderWorker, 0}, {LaneKind::LoaderWorker, 1},
                                        {LaneKind::Controller, 0},   {LaneKind::CopyStream, 0},
                                        {LaneKind::ComputeStream, 0}};
        QVERIFY(m.lanes() == want);
        // The view covers the last 16 iterations and ends at the newest event.
        const int64_t newest = 100 * kMs + (kIters - 1) * 10 * kMs + 10 * kMs;
        QCOMPARE(m.viewEndNs(), newest);
        QCOMPARE(m.viewStartNs(), 100 * kMs + (kIters - ui::LaneModel::kIterations) * 10 * kMs);
        // A long evaluation after the epoch does not squeeze the iterations: the view still ends
        // with the newest iteration, and the evaluation shows where it overlaps.
        QVERIFY(m.ingest(window_of(store, {profiler::make_event(Phase::Evaluate, newest, newest + 3000 * kMs,
                                                                {LaneKind::Controller, 0}, 1)})));
        QCOMPARE(m.viewEndNs(), newest);
    }

    void commandLineTakesStorageAndNoTrace() {
        engine::TrainConfig d;
        const auto opts = [&](QStringList a) {
            a.prepend(QStringLiteral("batchscope"));
            return ui::parse_app_options(a, d);
        };
        const ui::AppOptions o = opts({QStringLiteral("--storage"), QStringLiteral("emulated-nvme"),
                                       QStringLiteral("--no-trace"), QStringLiteral("--view"), QStringLiteral("pipeline")});
        QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
        QCOMPARE(o.config.storage, engine::data::StorageKind::EmulatedNvme);
        QVERIFY(!o.config.trace);
        QCOMPARE(o.view, QStringLiteral("pipeline"));
        const ui::AppOptions bad = opts({QStringLiteral("--storage"), QStringLiteral("floppy")});
        QVERIFY2(bad.error.contains(QStringLiteral("floppy")) && bad.error.contains(QStringLiteral("emulated-hdd")),
                 qPrintable(bad.error));
        QVERIFY(opts({}).config.trace);
    }

    void everyIntervalInViewIsOneRectangle() {
        profiler::EventStore store;
        const std::vector<Event> ev = pipeline_events(true);
        ui::LaneModel m;
        m.ingest(window_of(store, ev));
        // 1000 px over 160 ms: every interval is >= 6 px wide, so none is merged.
        const auto rects = m.layout(1000);
        const auto in_view = std::count_if(ev.begin(), ev.end(), [&](const Event& e) {
            return e.end_ns >= m.viewStartNs() && e.start_ns <= m.viewEndNs();
        });
        QCOMPARE(static_cast<long>(rects.size()), static_cast<long>(in_view));
        QVERIFY(std::all_of(rects.begin(), rects.end(), [](const ui::LaneRect& r) {
            return r.merged == 1 && r.x0 >= 0 && r.x1 <= 1000 && r.x1 >= r.x0;
        }));
        // Wholes below their parts: iterations and loads are layer 0.
        for (const auto& r : rects)
            QCOMPARE(r.layer, ui::is_whole_phase(r.phase) ? 0 : 1);
        // Hidden loading: worker 0 loads batch 18 while the controller computes iteration 17.
        const int controller = 2;
        const bool overlap = std::any_of(rects.begin(), rects.end(), [&](const ui::LaneRect& w) {
            return w.lane == 0 && w.phase == Phase::Load &&
                   std::any_of(rects.begin(), rects.end(), [&](const ui::LaneRect& c) {
                       return c.lane == controller && c.phase == Phase::Compute && c.x0 < w.x1 && w.x0 < c.x1;
                   });
        });
        QVERIFY(overlap);
    }

    void thousandsOfTinyIntervalsMergeIntoFewRectangles() {
        profiler::EventStore store;
        std::vector<Event> ev;
        for (int i = 0; i < 5000; ++i)  // 5000 x 20 us back to back = 100 ms, no iterations: 2 s shown
            ev.push_back(profiler::make_event(Phase::Compute, i * 20'000, i * 20'000 + 15'000, {}, i));
        ui::LaneModel m;
        m.ingest(window_of(store, ev));
        const auto rects = m.layout(800);
        QVERIFY2(rects.size() < 200, qPrintable(QString::number(rects.size())));
        int merged = 0;
        for (const auto& r : rects) merged += r.merged;
        QCOMPARE(merged, 5000);
    }

    void onlyNewEventsAreTaken() {
        profiler::EventStore store;
        ui::LaneModel m;
        std::vector<Event> ev = pipeline_events(false);
        const std::vector<Event> first(ev.begin(), ev.begin() + 70);
        const std::vector<Event> rest(ev.begin() + 70, ev.end());
        QVERIFY(m.ingest(window_of(store, first)));
        QCOMPARE(m.eventCount(), size_t(70));
        const profiler::EventWindow w = window_of(store, rest);
        QVERIFY(m.ingest(w));
        QCOMPARE(m.eventCount(), ev.size());
        QVERIFY(!m.ingest(w));  // the same window again: nothing new, no repaint
        QCOMPARE(m.eventCount(), ev.size());
        // A new run (its sequence starts again): the old events go.
        profiler::EventStore other;
        QVERIFY(m.ingest(window_of(other, first)));
        QCOMPARE(m.eventCount(), size_t(70));
    }

    void timelineTooltipNamesPhaseLaneIterationAndDuration() {
        profiler::EventStore store;
        ui::LaneTimeline t;
        t.resize(900, 320);
        t.showSnapshot(snapshot_with(window_of(store, pipeline_events(false))));
        QCOMPARE(t.laneCount(), 3);
        QVERIFY(t.emptyText().isEmpty());
        const auto rects = t.rects();
        QVERIFY(!rects.empty());
        // The compute rectangle of the newest iteration, at its centre.
        const auto it = std::max_element(rects.begin(), rects.end(), [](const ui::LaneRect& a, const ui::LaneRect& b) {
            return (a.phase == Phase::Compute ? a.x0 : -1) < (b.phase == Phase::Compute ? b.x0 : -1);
        });
        QCOMPARE(it->phase, Phase::Compute);
        const QString tip = t.tooltipAt(t.centreOf(*it));
        QVERIFY2(tip.contains(QStringLiteral("Compute")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("training loop")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("iteration 19")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("7.00 ms")), qPrintable(tip));
        t.grab();  // paints without crashing
        QVERIFY(t.paintCount() > 0);
    }

    void timelineSaysWhenTheRunDoesNotTrace() {
        ui::LaneTimeline t;
        engine::RunSnapshot s;
        s.state = engine::RunState::Running;
        t.showSnapshot(s);
        QVERIFY(t.emptyText().contains(QStringLiteral("Waiting for the first iteration")));
        s.iterations_done = 50;  // iterations but no events: tracing is off
        t.showSnapshot(s);
        QVERIFY2(t.emptyText().contains(QStringLiteral("no trace events")), qPrintable(t.emptyText()));
        QVERIFY(t.emptyText().contains(QStringLiteral("--no-trace")));
        QCOMPARE(t.laneCount(), 0);
        QVERIFY(t.tooltipAt(QPoint(100, 100)).isEmpty());
    }

    void queueDepthFollowsTheRecordsAndTheKnob() {
        engine::RunSnapshot s;
        s.state = engine::RunState::Running;
        s.prefetch_depth = 4;
        s.workers = 2;
        s.elapsed_s = 2.005;  // iteration i began at 1.705 + 0.01 i s: 0..4 in [1.5, 1.75), 5..29 in [1.75, 2)
        for (int i = 0; i < 30; ++i) {
            engine::IterationRecord r;
            r.iteration = i;
            r.start_ns = i * 10 * kMs;
            r.end_ns = r.start_ns + 10 * kMs;
            r.queue_depth = i < 10 ? 2 : 4;
            if (i == 20) r.queue_depth = 0;
            s.recent.push_back(r);
        }
        s.knob_changes.push_back({100 * kMs, 10, "prefetch_depth", 2, 4});
        s.loader.workers = {{750, 250, 30}, {250, 750, 10}};
        QCOMPARE(ui::prefetch_depth_at(s, 3), 2);
        QCOMPARE(ui::prefetch_depth_at(s, 10), 4);

        ui::PipelineView v;
        ui::RunTimeline timeline;
        timeline.observe(s);
        v.showSnapshot(s, timeline);
        const QList<QPointF> mean = v.queueSeries().mean();
        const QList<QPointF> fewest = v.queueSeries().fewest();
        const QList<QPointF> depth = v.queueSeries().depth();
        QCOMPARE(mean.size(), qsizetype(2));
        QCOMPARE(mean[0], QPointF(1.625, 2.0));
        QCOMPARE(mean[1].x(), 1.875);
        QCOMPARE(mean[1].y(), (5 * 2 + 19 * 4 + 0) / 25.0);
        QCOMPARE(fewest[1].y(), 0.0);
        QCOMPARE(depth[0].y(), 2.0);
        QCOMPARE(depth[1].y(), 4.0);
        QCOMPARE(v.queueChart()->pointCount(0), qsizetype(2));
        QCOMPARE(v.queueChart()->pointCount(2), qsizetype(2));
        QCOMPARE(v.workerBars()->barCount(), 2);
        QCOMPARE(v.workerBars()->busyPercent(0), 75.0);
        QCOMPARE(v.workerBars()->busyPercent(1), 25.0);
        // The next snapshot adds only the new iterations, drawn at most four times a second
        // of the run.
        engine::IterationRecord r = s.recent.back();
        r.iteration = 30;
        r.start_ns = r.end_ns;
        r.end_ns = r.start_ns + 300 * kMs;
        s.recent.push_back(r);
        s.elapsed_s = 2.1;  // the new iteration began at 1.8 s: into the second interval
        v.showSnapshot(s, timeline);
        QCOMPARE(v.queueSeries().mean().size(), qsizetype(2));
        QCOMPARE(v.queueSeries().mean()[1].y(), (5 * 2 + 20 * 4 + 0) / 26.0);
        s.elapsed_s = 2.3;
        v.showSnapshot(s, timeline);
        v.clear();
        QCOMPARE(v.queueChart()->pointCount(0), qsizetype(0));
        QVERIFY(v.queueSeries().mean().isEmpty());
        QCOMPARE(v.workerBars()->barCount(), 0);
    }

    void longRunsMergeQueueIntervalsExactly() {
        ui::QueueSeries q;
        for (int i = 0; i < 40'000; ++i) q.add(i * 0.01, i % 3, 2);  // 400 s at 100 iterations/s
        QVERIFY(q.mean().size() <= qsizetype(ui::QueueSeries::kMaxBuckets));
        QCOMPARE(q.step(), 0.5);
        double sum = 0;
        for (const QPointF& p : q.mean()) sum += p.y();
        QVERIFY(std::abs(sum / static_cast<double>(q.mean().size()) - 1.0) < 0.01);  // mean of 0,1,2
        for (const QPointF& p : q.fewest()) QCOMPARE(p.y(), 0.0);
    }

    void cpuRunSaysWhyThereAreNoDeviceTables() {
        ui::GpuMemoryView v;
        engine::RunSnapshot s;
        s.state = engine::RunState::Running;
        s.memory.weights = 1 << 20;
        s.memory.gradients = 1 << 20;
        s.memory.activations = 5 << 20;
        v.showSnapshot(s);
        QCOMPARE(v.kernelEmptyText(), QStringLiteral("CPU backend: no GPU kernels"));
        QCOMPARE(v.copyEmptyText(), QStringLiteral("CPU backend: no GPU copies"));
        QCOMPARE(v.memory()->model()->rowCount(), ui::kMemoryParts + 1);  // host parts + total
        const QModelIndex total = v.memory()->model()->index(ui::kMemoryParts, ui::MemoryTableModel::Size);
        QCOMPARE(total.data().toString(), QStringLiteral("7.0 MiB"));
        const QModelIndex act = v.memory()->model()->index(3, ui::MemoryTableModel::Share);
        QCOMPARE(act.data().toString(), QStringLiteral("71.4%"));
    }

    void gpuRunFillsSortableTables() {
        ui::GpuMemoryView v;
        v.showSnapshot(gpu_snapshot(profiler::GpuTimingMode::Cupti));
        QVERIFY(v.kernelEmptyText().isEmpty());
        QVERIFY(v.copyEmptyText().isEmpty());
        QCOMPARE(v.kernelModel()->rowCount(), 3);
        QCOMPARE(v.copyModel()->rowCount(), 2);
        QCOMPARE(v.memory()->model()->rowCount(), ui::kMemoryParts + 1 + 3);  // + device rows
        QVERIFY(v.summaryText().contains(QStringLiteral("H100")));
        QVERIFY(v.summaryText().contains(QStringLiteral("1234 CUPTI records, 5 dropped")));
        // Sorted by total time, largest first; then by calls, smallest first.
        QAbstractItemModel* shown = v.kernelTable()->model();
        QCOMPARE(shown->index(0, ui::KernelTableModel::Name).data().toString(), QStringLiteral("sgemm_128x64"));
        v.kernelTable()->sortByColumn(ui::KernelTableModel::Calls, Qt::AscendingOrder);
        QCOMPARE(shown->index(0, ui::KernelTableModel::Name).data().toString(), QStringLiteral("softmax_xent"));
        QCOMPARE(shown->index(0, ui::KernelTableModel::MeanUs).data().toString(), QStringLiteral("5.0"));
        // Copies: bandwidth = bytes / time.
        QAbstractItemModel* copies = v.copyTable()->model();
        QCOMPARE(copies->index(0, ui::CopyTableModel::Direction).data().toString(), QStringLiteral("HtoD"));
        QCOMPARE(copies->index(0, ui::CopyTableModel::HostMemory).data().toString(), QStringLiteral("pinned"));
        QCOMPARE(copies->index(0, ui::CopyTableModel::GBps).data().toString(), QStringLiteral("13.11"));
    }

    // A real training run on the CUDA backend through the fake plugin's host-emulated kernels
    // (emulated: no GPU here), as with --no-pinned-memory: its pageable batches are copied on the
    // host before their upload, and the GPU & memory view says how much and why; with pinned
    // memory on, nothing is copied and the view does not mention it.
    void emulatedGpuRunWithoutPinnedMemoryShowsTheHostCopies() {
        setenv("BS_FAKE_COMPUTE", "emulate", 1);
        setenv("BS_FAKE_DEVICE_BYTES", "200000000", 1);
        setenv("BATCHSCOPE_GPU_PLUGIN",
               (std::filesystem::read_symlink("/proc/self/exe").parent_path() / BS_FAKE_COMPUTE_PLUGIN).c_str(), 1);
        const auto unset = qScopeGuard([] {
            unsetenv("BATCHSCOPE_GPU_PLUGIN");
            unsetenv("BS_FAKE_DEVICE_BYTES");
            unsetenv("BS_FAKE_COMPUTE");
        });
        bs_test::TempDir d;
        bs_test::write_fake_fashion_mnist(d.path, 600, 200);
        engine::TrainConfig c;  // 12 batches of 50, loaded in the training thread
        c.data_dir = d.path;
        c.cache_dir = d.path + "/cache";
        c.batch_size = 50;
        c.workers = 0;
        c.prefetch_depth = 0;
        c.epochs = 1;
        c.model = "mlp:32,16";
        c.backend = "cuda";
        const auto train = [](const engine::TrainConfig& cfg) {
            engine::TrainingRun run(cfg);
            run.start();
            run.wait();
            return run.snapshot();
        };
        c.pinned_memory = false;
        const auto pageable = train(c);
        c.pinned_memory = true;
        const auto pinned = train(c);
        QVERIFY2(pageable->state == engine::RunState::Finished, pageable->message.c_str());
        QVERIFY2(pinned->state == engine::RunState::Finished, pinned->message.c_str());
        QCOMPARE(pageable->device.host_staging_bytes, int64_t{12 * 50 * (784 + 1) * 4});  // 1.8 MiB
        ui::GpuMemoryView v;
        v.showSnapshot(*pageable);
        QVERIFY2(v.summaryText().contains(QStringLiteral(
                     "Batches copied on the host before their upload: 1.8 MiB (pinned memory is off")),
                 qPrintable(v.summaryText()));
        v.showSnapshot(*pinned);
        QCOMPARE(pinned->device.host_staging_bytes, int64_t{0});
        QVERIFY2(!v.summaryText().contains(QStringLiteral("copied on the host")), qPrintable(v.summaryText()));
        QVERIFY(v.summaryText().startsWith(QStringLiteral("Device: ")));
    }

    void gpuRunWithoutCuptiSaysWhy() {
        ui::GpuMemoryView v;
        v.showSnapshot(gpu_snapshot(profiler::GpuTimingMode::CudaEvents));
        QVERIFY2(v.kernelEmptyText().contains(QStringLiteral("needs CUPTI")), qPrintable(v.kernelEmptyText()));
        QVERIFY(v.kernelEmptyText().contains(QStringLiteral("another profiler is attached")));
        QVERIFY(v.copyEmptyText().contains(QStringLiteral("copies")));
        QCOMPARE(v.kernelModel()->rowCount(), 0);
    }

    void onlyTheShownSubTabIsFed() {
        ui::LiveTabs tabs(new ui::LiveViews);
        ui::RunTimeline timeline;
        profiler::EventStore store;
        auto s = std::make_shared<const engine::RunSnapshot>(snapshot_with(window_of(store, pipeline_events(false))));
        tabs.showSnapshot(s, timeline);
        QCOMPARE(tabs.feedCount(ui::LiveTabs::Breakdown), 1);
        QCOMPARE(tabs.feedCount(ui::LiveTabs::Pipeline), 0);
        QCOMPARE(tabs.feedCount(ui::LiveTabs::GpuMemory), 0);
        tabs.showSnapshot(s, timeline);  // the same snapshot: no work
        QCOMPARE(tabs.feedCount(ui::LiveTabs::Breakdown), 1);
        tabs.setCurrentIndex(ui::LiveTabs::Pipeline);  // catches up at once
        QCOMPARE(tabs.feedCount(ui::LiveTabs::Pipeline), 1);
        QCOMPARE(tabs.pipeline()->lanes()->laneCount(), 3);
        auto s2 = std::make_shared<const engine::RunSnapshot>(*s);
        tabs.showSnapshot(s2, timeline);
        QCOMPARE(tabs.feedCount(ui::LiveTabs::Pipeline), 2);
        QCOMPARE(tabs.feedCount(ui::LiveTabs::Breakdown), 1);
        QCOMPARE(tabs.feedCount(ui::LiveTabs::GpuMemory), 0);
    }

    void subTabShortcutsAndRememberedLayout() {
        {
            ui::MainWindow w;
            w.setRememberSettings(false);
            QCOMPARE(w.liveTabs()->currentIndex(), int(ui::LiveTabs::Breakdown));
            w.show();
            w.activateWindow();
            QVERIFY(QTest::qWaitForWindowActive(&w));
            w.showView(QStringLiteral("sessions"));
            QTest::keyClick(&w, Qt::Key_2, Qt::ControlModifier);  // back to Live, Pipeline
            QCOMPARE(w.tabs()->currentIndex(), 0);
            QCOMPARE(w.liveTabs()->currentIndex(), int(ui::LiveTabs::Pipeline));
            QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier);
            QCOMPARE(w.liveTabs()->currentIndex(), int(ui::LiveTabs::GpuMemory));
            // Presenter mode reaches the painted views too: larger text, taller lanes.
            const double before = w.liveTabs()->pipeline()->lanes()->font().pointSizeF();
            w.setPresenterMode(true);
            QVERIFY(w.liveTabs()->pipeline()->lanes()->font().pointSizeF() > before * 1.4);
            QVERIFY(ui::charts_in_presenter_style(w.liveTabs()->pipeline()));
            w.setPresenterMode(false);
            w.liveTabs()->saveLayout();
        }
        ui::MainWindow again;  // restores the sub-tab (QSettings in QtTest's scratch place)
        QCOMPARE(again.liveTabs()->currentIndex(), int(ui::LiveTabs::GpuMemory));
    }

    // Other windows (and the next run of these tests) start on the default sub-tab, even after
    // a failure.
    void cleanup() {
        QSettings(QStringLiteral("Batchscope"), QStringLiteral("batchscope")).remove(QStringLiteral("live/subtab"));
    }

    void realCpuRunShowsLoaderAndControllerLanes() {
        engine::TrainConfig c;
        c.train_limit = 3000;
        c.test_limit = 1000;
        c.epochs = 50;
        c.batch_size = 128;
        c.prefetch_depth = 2;
        c.workers = 2;
        ui::MainWindow w(c);
        w.setRememberSettings(false);
        w.resize(1300, 820);
        w.show();
        w.showView(QStringLiteral("pipeline"));
        QCOMPARE(w.liveTabs()->currentIndex(), int(ui::LiveTabs::Pipeline));
        w.startRun();
        ui::LaneTimeline* lanes = w.liveTabs()->pipeline()->lanes();
        const auto has = [&](Lane l) {
            const auto& v = lanes->model().lanes();
            return std::find(v.begin(), v.end(), l) != v.end();
        };
        QTRY_VERIFY_WITH_TIMEOUT(has({LaneKind::Controller, 0}) && has({LaneKind::LoaderWorker, 0}) &&
                                     has({LaneKind::LoaderWorker, 1}),
                                 30'000);
        QCOMPARE(lanes->model().lanes().front(), (Lane{LaneKind::LoaderWorker, 0}));
        QVERIFY(!lanes->rects().empty());
        QVERIFY(lanes->emptyText().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(w.liveTabs()->pipeline()->queueChart()->pointCount(0) > 0, 10'000);
        QTRY_VERIFY_WITH_TIMEOUT(w.liveTabs()->pipeline()->workerBars()->barCount() == 2, 10'000);
        // Another main tab shown: the Live sub-tabs get nothing; back on Live, they catch up.
        w.showView(QStringLiteral("sessions"));
        const int fed = w.liveTabs()->feedCount(ui::LiveTabs::Pipeline);
        const int64_t done = w.run()->snapshot()->iterations_done;
        QTRY_VERIFY_WITH_TIMEOUT(w.run()->snapshot()->iterations_done > done + 20, 10'000);
        w.refresh();
        QCOMPARE(w.liveTabs()->feedCount(ui::LiveTabs::Pipeline), fed);
        w.showView(QStringLiteral("pipeline"));
        QCOMPARE(w.liveTabs()->feedCount(ui::LiveTabs::Pipeline), fed + 1);
        // The hidden GPU & memory sub-tab got nothing; shown, it says why it has no kernels.
        QCOMPARE(w.liveTabs()->feedCount(ui::LiveTabs::GpuMemory), 0);
        w.liveTabs()->setCurrentIndex(ui::LiveTabs::GpuMemory);
        QCOMPARE(w.liveTabs()->gpuMemory()->kernelEmptyText(), QStringLiteral("CPU backend: no GPU kernels"));
        QTRY_VERIFY_WITH_TIMEOUT(w.liveTabs()->gpuMemory()->memory()->model()->rowCount() == ui::kMemoryParts + 1, 5000);
        w.stopRun();
        QVERIFY(QTest::qWaitFor([&] {
            auto s = w.run() ? w.run()->snapshot() : nullptr;
            return s && (s->state == engine::RunState::Stopped || s->state == engine::RunState::Finished);
        }, 30'000));
    }
};

int run_pipeline_views_tests(int argc, char** argv) {
    PipelineViewsTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "pipeline_views_test.moc"
