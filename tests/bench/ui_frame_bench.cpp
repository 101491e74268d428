// Frame time of the dashboard's charts with a session of 1M iterations, decimated as the
// dashboard does it (session_data.h: at most 600 points per curve), against the reference in
// the same run: the same chart fed all 1M points undecimated. Prints figures; not a test.
//
//   QT_QPA_PLATFORM=offscreen build/bin/bench_ui_frames [--iterations N] [--frames N]
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QPixmap>
#include <QTemporaryDir>
#include <QValueAxis>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "batchscope/store/session_recorder.h"
#include "batchscope/store/session_store.h"
#include "charts/time_series_chart.h"
#include "session_data.h"

using namespace batchscope;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

int64_t record_session(const std::string& db, int64_t n) {
    store::SessionMeta meta;
    meta.name = "frame bench";
    meta.mode = "train";
    meta.model = "mlp";
    meta.dataset = "synthetic";
    meta.config_json = "{}";
    store::SessionRecorder rec(db, meta, size_t(1) << 21);
    int64_t t = 0;
    for (int64_t i = 0; i < n; ++i) {
        store::IterationRow r;
        r.iteration = i;
        r.epoch = 1 + static_cast<int>(i / 50'000);
        r.batch_size = 128;
        r.start_ns = t;
        r.data_wait_ns = (i % 7) * 100'000;
        r.compute_ns = 2'000'000 + (i % 13) * 10'000;
        r.host_ns = 50'000;
        r.wall_ns = r.data_wait_ns + r.compute_ns + r.host_ns;
        r.loss = 2.3 / (1.0 + static_cast<double>(i) / 1e5);
        while (!rec.add(r)) {}  // the bench wants every row: retry when the queue is full
        t += r.wall_ns;
    }
    rec.finish("finished");
    return rec.session_id();
}

QList<QPointF> to_points(const std::vector<engine::SeriesPoint>& v) {
    QList<QPointF> out;
    out.reserve(static_cast<qsizetype>(v.size()));
    for (const auto& p : v) out.append(QPointF(p.t_s, p.value));
    return out;
}

// Per frame: new points (the last one moves, as a live curve does) and a full repaint.
template <class Replace, class Paint>
std::vector<double> frames(int n, QList<QPointF> points, Replace&& replace, Paint&& paint) {
    std::vector<double> ms;
    for (int f = 0; f < n; ++f) {
        points.last().setY(points.last().y() * (1.0 + 0.01 * (f % 2 ? 1 : -1)));
        QElapsedTimer timer;
        timer.start();
        replace(points);
        paint();
        ms.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    int64_t n = 1'000'000;
    int frame_count = 30;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--iterations")) n = std::stoll(argv[++i]);
        if (!std::strcmp(argv[i], "--frames")) frame_count = std::stoi(argv[++i]);
    }
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("bench.db")).toStdString();
    QElapsedTimer timer;
    timer.start();
    const int64_t id = record_session(db, n);
    std::printf("session of %lld iterations written in %.2f s\n", static_cast<long long>(n),
                static_cast<double>(timer.elapsed()) / 1e3);

    // What the sessions tab does on its worker thread: read the rows and decimate.
    store::SessionStore st(db, true);
    timer.restart();
    const std::vector<store::IterationRow> rows = st.iterations(id);
    const double read_ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    timer.restart();
    const auto curve = ui::throughput_curve(rows);
    const double decimate_ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    std::printf("read rows %.0f ms, decimate to %zu points %.1f ms (worker thread, not the GUI)\n", read_ms,
                curve.size(), decimate_ms);

    // Reference: the 1M points undecimated, one point per iteration, in a bare line series.
    QList<QPointF> raw;
    raw.reserve(static_cast<qsizetype>(rows.size()));
    for (const auto& r : rows)
        raw.append(QPointF(static_cast<double>(r.start_ns + r.wall_ns) / 1e9,
                           r.batch_size / (static_cast<double>(r.wall_ns) / 1e9)));

    const QSize size(900, 400);
    QPixmap target(size);
    ui::TimeSeriesChart chart(QStringLiteral("Throughput"), QStringLiteral("samples/s"));
    const int series = chart.addSeries(QStringLiteral("samples/s"), Qt::blue);
    chart.resize(size);
    chart.setPoints(series, to_points(curve));
    chart.render(&target);  // warm up
    const auto dec = frames(frame_count, to_points(curve), [&](const QList<QPointF>& p) { chart.setPoints(series, p); },
                            [&] { chart.render(&target); });

    auto* ref_chart = new QChart;  // owned by the view
    auto* line = new QLineSeries;
    ref_chart->addSeries(line);
    ref_chart->createDefaultAxes();
    ref_chart->setAnimationOptions(QChart::NoAnimation);
    QChartView ref_view(ref_chart);
    ref_view.setRenderHint(QPainter::Antialiasing, true);
    ref_view.resize(size);
    line->replace(raw);
    ref_chart->axes(Qt::Horizontal).first()->setRange(0, raw.last().x());
    ref_chart->axes(Qt::Vertical).first()->setRange(0, 70'000);
    static_cast<QWidget&>(ref_view).render(&target);
    const int ref_frames = std::max(3, frame_count / 10);
    const auto full = frames(ref_frames, raw, [&](const QList<QPointF>& p) { line->replace(p); },
                             [&] { static_cast<QWidget&>(ref_view).render(&target); });

    const double dm = median(dec), fm = median(full);
    std::printf("frame (new points + full repaint, %dx%d, offscreen raster), median of %d / %d frames:\n",
                size.width(), size.height(), frame_count, ref_frames);
    std::printf("  decimated (%zu points):   %8.2f ms  = %7.1f frames/s\n", curve.size(), dm, 1e3 / dm);
    std::printf("  reference (%lld points): %8.2f ms  = %7.1f frames/s\n", static_cast<long long>(raw.size()), fm,
                1e3 / fm);
    std::printf("  decimation is %.0fx faster per frame; target >= 20 frames/s: %s\n", fm / dm,
                1e3 / dm >= 20 ? "met" : "NOT met");
    return 0;
}
