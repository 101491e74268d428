#include "pdf_report.h"

#include <QDateTime>
#include <QFileInfo>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>

#include <array>
#include <memory>

#include "breakdown_stats.h"
#include "charts/comparison_bar_chart.h"
#include "charts/time_series_chart.h"
#include "compare_view.h"
#include "phase_style.h"

namespace batchscope::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QList<QPointF> points(const std::vector<engine::SeriesPoint>& v) {
    QList<QPointF> out;
    for (const auto& p : v) out.append(QPointF(p.t_s, p.value));
    return out;
}

// Writes down the page: text blocks and widgets, each below the previous one.
class Page {
public:
    explicit Page(QPdfWriter& w) : writer_(w), painter_(&w) {
        width_ = painter_.viewport().width();
        height_ = painter_.viewport().height();
    }
    bool ok() const { return painter_.isActive(); }

    void text(const QString& s, double points, bool bold = false, QColor colour = Qt::black) {
        QFont f(QStringLiteral("DejaVu Sans"));
        f.setPointSizeF(points);
        f.setBold(bold);
        painter_.setFont(f);
        painter_.setPen(colour);
        const QRect box(0, y_, width_, height_ - y_);
        QRect used;
        painter_.drawText(box, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, s, &used);
        y_ += used.height() + gap();
    }
    // Widgets side by side across the page width, each drawn at `logical` size then scaled.
    void widgets(const QList<QWidget*>& ws, QSize logical) {
        if (ws.isEmpty()) return;
        const double cell = static_cast<double>(width_) / static_cast<double>(ws.size());
        const double scale = cell / logical.width();
        for (int i = 0; i < ws.size(); ++i) {
            ws[i]->resize(logical);
            painter_.save();
            painter_.translate(cell * static_cast<double>(i), y_);
            painter_.scale(scale, scale);
            ws[i]->render(&painter_, QPoint(), QRegion(), QWidget::DrawChildren);
            painter_.restore();
        }
        y_ += static_cast<int>(logical.height() * scale) + gap();
    }
    void footer(const QString& s) {
        QFont f(QStringLiteral("DejaVu Sans"));
        f.setPointSizeF(7);
        painter_.setFont(f);
        painter_.setPen(QColor(0x66, 0x66, 0x66));
        painter_.drawText(QRect(0, height_ - 2 * gap() - 40, width_, 2 * gap() + 40), Qt::AlignBottom | Qt::AlignLeft, s);
    }
    bool end() { return painter_.end(); }

private:
    int gap() const { return writer_.resolution() / 20; }
    QPdfWriter& writer_;
    QPainter painter_;
    int width_ = 0, height_ = 0, y_ = 0;
};

void setup(QPdfWriter& w, const QString& title) {
    w.setPageSize(QPageSize(QPageSize::A4));
    w.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    w.setResolution(150);
    w.setTitle(title);
    w.setCreator(QStringLiteral("Batchscope"));
}

QString footer_text() {
    return QObject::tr("Made by Batchscope on %1. Storage marked \"emulated\" adds modelled device timing; "
                       "all other figures are measured.")
        .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
}

QString cannot_write(const QString& file) {
    return QObject::tr("Could not write %1: check that the folder exists and is writable").arg(file);
}

QString breakdown_line(const profiler::Breakdown& b) {
    QStringList parts;
    for (Part p : kParts) {
        const double ms = static_cast<double>(part_ns(b, p)) / 1e6;
        if (ms > 0) parts << QStringLiteral("%1 %2 ms").arg(part_label(p)).arg(ms, 0, 'f', 3);
    }
    return QObject::tr("Mean iteration %1 ms: %2").arg(static_cast<double>(b.wall_ns) / 1e6, 0, 'f', 3)
        .arg(parts.join(QStringLiteral(" \u00b7 ")));
}

}  // namespace

QString write_session_report(const QString& file, const SessionReport& r) {
    QPdfWriter writer(file);
    setup(writer, QObject::tr("Batchscope session %1").arg(r.curves.info.id));
    Page page(writer);
    if (!page.ok()) return cannot_write(file);
    page.text(QObject::tr("Batchscope session report: %1").arg(q(r.curves.info.name)), 15, true);
    QStringList facts;
    for (const auto& [k, v] : r.facts) facts << QStringLiteral("%1: %2").arg(q(k), q(v));
    page.text(facts.join(QLatin1Char('\n')), 9);
    if (!r.verdict.empty()) {
        page.text(QObject::tr("Bottleneck: %1").arg(q(r.verdict)), 10, true, QColor(palette::kVermillion));
        QStringList advice;
        for (const auto& a : r.advice) advice << QStringLiteral("\u2022 ") + q(a);
        if (!advice.isEmpty()) page.text(advice.join(QLatin1Char('\n')), 9);
    }
    if (r.curves.mean.wall_ns > 0) page.text(breakdown_line(r.curves.mean), 9);
    if (!r.knob_changes.empty()) {
        QStringList k;
        for (size_t i = 0; i < r.knob_changes.size() && i < 8; ++i) k << q(r.knob_changes[i]);
        if (r.knob_changes.size() > 8) k << QObject::tr("\u2026 and %1 more").arg(r.knob_changes.size() - 8);
        page.text(QObject::tr("Knob changes: %1").arg(k.join(QStringLiteral("; "))), 9);
    }
    const QStringList charts = session_report_charts(r);
    if (!r.curves.throughput.empty()) {
        TimeSeriesChart tp(charts.value(0), QObject::tr("samples/s"));
        tp.setPoints(tp.addSeries(QObject::tr("samples/s"), QColor(palette::kBlue)), points(r.curves.throughput));
        TimeSeriesChart loss(charts.value(1), QObject::tr("loss"));
        loss.setPoints(loss.addSeries(QObject::tr("loss"), QColor(palette::kOrange)), points(r.curves.loss));
        page.widgets({&tp, &loss}, QSize(640, 420));
    } else if (!charts.isEmpty()) {  // a trace: steps/s and the mean step's parts (comm included)
        TimeSeriesChart tp(charts.value(0), QObject::tr("steps/s"));
        tp.setPoints(tp.addSeries(QObject::tr("steps/s"), QColor(palette::kBlue)), points(r.curves.step_rate));
        ComparisonBarChart bars;
        std::array<std::vector<double>, kPartCount> ms;
        for (Part p : kParts) ms[static_cast<size_t>(p)].push_back(static_cast<double>(part_ns(r.curves.mean, p)) / 1e6);
        bars.setBars({QStringLiteral("#%1").arg(r.curves.info.id)}, ms);
        page.widgets({&tp, &bars}, QSize(640, 420));
    }
    page.footer(footer_text());
    return page.end() ? QString() : cannot_write(file);
}

QStringList session_report_charts(const SessionReport& r) {
    if (!r.curves.throughput.empty()) return {QObject::tr("Throughput"), QObject::tr("Training loss")};
    if (!r.curves.step_rate.empty() && r.curves.mean.wall_ns > 0)
        return {QObject::tr("Throughput (steps/s: a trace records no batch size)"), QObject::tr("Mean step, ms per part")};
    return {};
}

QString write_comparison_report(const QString& file, const ComparisonData& d) {
    QPdfWriter writer(file);
    setup(writer, QObject::tr("Batchscope comparison"));
    Page page(writer);
    if (!page.ok()) return cannot_write(file);
    const store::Comparison& c = d.comparison;
    page.text(QObject::tr("Batchscope comparison of %1 sessions").arg(d.sessions.size()), 15, true);
    for (size_t i = 0; i < d.sessions.size(); ++i) {
        const store::SessionInfo& s = d.sessions[i].info;
        page.text(QStringLiteral("#%1 %2 \u2014 %3, %4, %5%6, %7")
                      .arg(s.id).arg(q(s.name), q(s.mode), q(s.model), q(s.storage),
                           s.emulated ? QObject::tr(" (emulated)") : QString(), q(s.created_at)),
                  9, true, session_colour(static_cast<int>(i)));
    }
    QStringList metrics;
    for (const auto& m : c.metrics) {
        QStringList vals;
        for (size_t i = 0; i < m.values.size(); ++i) {
            QString v = q(format_metric(m.values[i], m.unit));
            const std::string delta = i > 0 && i < m.delta_pct.size() ? format_delta(m.delta_pct[i]) : std::string();
            if (!delta.empty()) v += QStringLiteral(" (%1)").arg(q(delta));
            vals << v;
        }
        metrics << QStringLiteral("%1: %2").arg(q(m.name), vals.join(QStringLiteral("  |  ")));
    }
    page.text(QObject::tr("Results (change against the first session):"), 10, true);
    page.text(metrics.join(QLatin1Char('\n')), 8);
    QStringList diff;
    for (const auto& row : c.config_diff) {
        QStringList vals;
        for (const auto& v : row.values) vals << (v.empty() ? QStringLiteral("\u2013") : q(v));
        diff << QStringLiteral("%1%2: %3").arg(q(row.key), row.is_knob ? QStringLiteral(" *") : QString(),
                                               vals.join(QStringLiteral("  |  ")));
    }
    page.text(QObject::tr("Configuration differences (* live knob):"), 10, true);
    page.text(diff.isEmpty() ? QObject::tr("none") : diff.join(QLatin1Char('\n')), 8);

    TimeSeriesChart tp(throughput_title(d), d.throughput_in_steps() ? QObject::tr("steps/s") : QObject::tr("samples/s"));
    TimeSeriesChart loss(loss_title(d), QObject::tr("loss"));
    loss.setPlaceholderText(QObject::tr("A PyTorch profiler trace records no loss"));
    ComparisonBarChart bars;
    std::array<std::vector<double>, kPartCount> ms;
    QStringList names;
    for (size_t i = 0; i < d.sessions.size(); ++i) {
        const SessionCurves& s = d.sessions[i];
        const QString name = QStringLiteral("#%1").arg(s.info.id);
        names << name;
        tp.setPoints(tp.addSeries(name, session_colour(static_cast<int>(i))), points(d.throughput(i)));
        loss.setPoints(loss.addSeries(name, session_colour(static_cast<int>(i))), points(s.loss));
        for (Part p : kParts) ms[static_cast<size_t>(p)].push_back(static_cast<double>(part_ns(s.mean, p)) / 1e6);
    }
    bars.setBars(names, ms);
    page.widgets({&tp, &loss}, QSize(640, 400));
    page.widgets({&bars}, QSize(1280, 420));
    page.footer(footer_text());
    return page.end() ? QString() : cannot_write(file);
}

}  // namespace batchscope::ui
