#include "lane_timeline.h"

#include "batchscope/profiler/chrome_trace.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <array>
#include <cmath>

#include "phase_style.h"

namespace batchscope::ui {

using profiler::Phase;

namespace {

constexpr std::array<Phase, 11> kLegend = {Phase::DataWait, Phase::H2D,       Phase::Compute, Phase::D2H,
                                           Phase::Host,     Phase::Load,      Phase::ReadPhase, Phase::Decode,
                                           Phase::Augment,  Phase::Collate,   Phase::Evaluate};
constexpr int kPad = 6;
constexpr int kSwatch = 10;

QString ms_text(int64_t ns) {
    const double ms = static_cast<double>(ns) / 1e6;
    return ms >= 100 ? QStringLiteral("%1 ms").arg(ms, 0, 'f', 0)
           : ms >= 1 ? QStringLiteral("%1 ms").arg(ms, 0, 'f', 2)
                     : QStringLiteral("%1 \u00b5s").arg(ms * 1000, 0, 'f', 1);
}

// 1, 2 or 5 times a power of ten, about span / 5.
double nice_step(double span) {
    const double raw = span / 5;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * mag >= raw) return m * mag;
    return 10 * mag;
}

// A legend entry: a phase, or (saved sessions with collectives or other device work) a part.
struct LegendItem {
    QColor colour;
    QString label;
};

std::vector<LegendItem> legend_items(const LaneModel& m) {
    std::vector<LegendItem> out;
    for (Phase p : kLegend)  // a saved session's legend: what it holds
        if (!m.fixed() || m.hasPhase(p)) out.push_back({phase_colour(p), phase_label(p)});
    if (m.hasPart(1)) out.push_back({part_colour(Part::Comm), part_label(Part::Comm)});
    if (m.hasPart(2)) out.push_back({part_colour(Part::OtherGpu), part_label(Part::OtherGpu)});
    return out;
}

// Legend items laid out left to right, wrapping at `width`; returns the rows used.
int legend_rows(const QFontMetrics& fm, int width, const std::vector<LegendItem>& items, std::vector<QRect>* boxes) {
    int x = 0, row = 0;
    const int h = fm.height();
    for (const LegendItem& item : items) {
        const int w = kSwatch + 4 + fm.horizontalAdvance(item.label) + 12;
        if (x > 0 && x + w > width) {
            x = 0;
            ++row;
        }
        if (boxes) boxes->push_back(QRect(x, row * h, w, h));
        x += w;
    }
    return row + 1;
}

}  // namespace

QColor phase_colour(Phase p) {
    switch (p) {
        case Phase::DataWait: return part_colour(Part::DataWait);
        case Phase::H2D: return part_colour(Part::H2D);
        case Phase::Compute: return part_colour(Part::Compute);
        case Phase::D2H: return part_colour(Part::D2H);
        case Phase::Host: return part_colour(Part::Host);
        case Phase::Load: return QColor(palette::kOrange);
        case Phase::Iteration: return QColor(0xB0, 0xB0, 0xB0);
        case Phase::Evaluate: return QColor(0x50, 0x50, 0x50);
        case Phase::ReadPhase: return QColor(palette::kYellow);
        case Phase::Decode: return QColor(palette::kReddishPurple);
        case Phase::Augment: return QColor(palette::kSkyBlue).lighter(125);
        case Phase::Collate: return QColor(palette::kBlue).lighter(150);
        case Phase::Request: return QColor(0xB0, 0xB0, 0xB0);
        case Phase::QueueWait: return part_colour(Part::DataWait);
        case Phase::Batch: return QColor(0x50, 0x50, 0x50);
    }
    return Qt::black;
}

QString phase_label(Phase p) {
    switch (p) {
        case Phase::DataWait: return part_label(Part::DataWait);
        case Phase::H2D: return part_label(Part::H2D);
        case Phase::Compute: return part_label(Part::Compute);
        case Phase::D2H: return part_label(Part::D2H);
        case Phase::Host: return part_label(Part::Host);
        case Phase::Load: return QStringLiteral("Load (worker busy)");
        case Phase::Iteration: return QStringLiteral("Iteration");
        case Phase::Evaluate: return QStringLiteral("Evaluate");
        case Phase::ReadPhase: return QStringLiteral("Read");
        case Phase::Decode: return QStringLiteral("Decode");
        case Phase::Augment: return QStringLiteral("Augment");
        case Phase::Collate: return QStringLiteral("Collate");
        case Phase::Request: return QStringLiteral("Request");
        case Phase::QueueWait: return QStringLiteral("Queue wait");
        case Phase::Batch: return QStringLiteral("Batch");
    }
    return {};
}

QString phase_explanation(Phase p) {
    switch (p) {
        case Phase::DataWait: return part_explanation(Part::DataWait);
        case Phase::H2D: return part_explanation(Part::H2D);
        case Phase::Compute: return part_explanation(Part::Compute);
        case Phase::D2H: return part_explanation(Part::D2H);
        case Phase::Host: return part_explanation(Part::Host);
        case Phase::Load:
            return QStringLiteral("A loader worker building one batch. While the training loop computes at the same "
                                  "time, this loading is hidden by prefetching.");
        case Phase::Iteration: return QStringLiteral("One whole training iteration of the training loop.");
        case Phase::Evaluate: return QStringLiteral("Test-set evaluation after an epoch.");
        case Phase::ReadPhase: return QStringLiteral("Reading the batch's stored bytes (through the storage profile).");
        case Phase::Decode: return QStringLiteral("Decoding the samples (JPEG, PNG; nothing for raw samples).");
        case Phase::Augment: return QStringLiteral("Crop, resize, flip.");
        case Phase::Collate: return QStringLiteral("Conversion to float and normalisation into the batch buffer.");
        case Phase::Request: return QStringLiteral("An inference request, from its scheduled arrival to its answer.");
        case Phase::QueueWait: return QStringLiteral("A request waiting in the dynamic batcher's queue.");
        case Phase::Batch: return QStringLiteral("One batch of requests served.");
    }
    return {};
}

LaneTimeline::LaneTimeline(QWidget* parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(false);
    setToolTip(tr("Lanes of the last iterations: each loader worker, the training loop and (GPU runs) the copy and "
                  "compute streams. Orange on a worker while the training loop computes = loading hidden by "
                  "prefetching; red bands = the loop waited for data. Hover a rectangle for details."));
    clear();
}

void LaneTimeline::clear() {
    model_.reset();
    lane_names_.clear();
    empty_ = tr("No iterations yet \u2014 press Start (Ctrl+R)");
    update();
}

void LaneTimeline::showSnapshot(const engine::RunSnapshot& s) {
    QString empty;
    if (s.events.empty() && model_.eventCount() == 0) {
        if (s.state == engine::RunState::Failed)
            empty = tr("The run failed \u2014 see the message on the left");
        else if (s.iterations_done == 0)
            empty = s.state == engine::RunState::Loading ? tr("Loading the data\u2026")
                                                          : tr("Waiting for the first iteration\u2026");
        else
            empty = tr("This run records no trace events, so there are no lanes to draw.\n"
                       "Tracing is on by default: start the dashboard without --no-trace "
                       "(batchscope-cli train: without --no-trace).");
    }
    const bool fresh = model_.ingest(s.events);
    if (fresh || empty != empty_) {
        empty_ = model_.eventCount() > 0 ? QString() : empty;
        update();
    }
}

void LaneTimeline::showEvents(std::vector<profiler::Event> events, std::vector<std::string> labels,
                              std::vector<int> parts, std::vector<std::pair<profiler::Lane, std::string>> lane_names,
                              const QString& empty) {
    lane_names_ = std::move(lane_names);
    model_.load(std::move(events), std::move(labels), std::move(parts));
    name_w_ = 0;
    empty_ = model_.eventCount() > 0 ? QString() : empty;
    update();
}

void LaneTimeline::setView(int64_t start_ns, int64_t span_ns) {
    model_.setView(start_ns, span_ns);
    update();
}

QString LaneTimeline::laneLabel(profiler::Lane lane) const {
    for (const auto& [l, name] : lane_names_)
        if (l == lane) return QString::fromStdString(name);
    return QString::fromStdString(profiler::lane_name(lane));
}

int LaneTimeline::nameWidth() const {
    if (name_w_ > 0 && model_.lanes() == name_w_lanes_ && font() == name_w_font_) return name_w_;
    const QFontMetrics fm = fontMetrics();
    int w = fm.horizontalAdvance(QStringLiteral("compute stream 00"));
    for (const profiler::Lane& lane : model_.lanes())
        w = std::max(w, fm.horizontalAdvance(laneLabel(lane)));
    name_w_lanes_ = model_.lanes();
    name_w_font_ = font();
    name_w_ = w;
    return w;
}

LaneTimeline::Geometry LaneTimeline::geometry() const {
    Geometry g;
    const QFontMetrics fm = fontMetrics();
    g.label_w = nameWidth() + 2 * kPad;
    g.legend_h = legend_rows(fm, width() - 2 * kPad, legend_items(model_), nullptr) * fm.height() + kPad;
    const int axis_h = fm.height() + kPad;
    const QRect area(g.label_w, kPad + g.legend_h, width() - g.label_w - kPad,
                     height() - 2 * kPad - g.legend_h - axis_h);
    const int lanes = std::max(1, laneCount());
    g.row_h = std::clamp(area.height() / lanes, 8, fm.height() * 4);
    g.plot = QRect(area.left(), area.top(), area.width(), g.row_h * lanes);
    return g;
}

std::vector<LaneRect> LaneTimeline::rects() const { return model_.layout(geometry().plot.width()); }

void LaneTimeline::paintLegend(QPainter& p, const QRect& area) const {
    std::vector<QRect> boxes;
    const std::vector<LegendItem> items = legend_items(model_);
    legend_rows(p.fontMetrics(), area.width(), items, &boxes);
    for (size_t i = 0; i < boxes.size(); ++i) {
        const QRect b = boxes[i].translated(area.topLeft());
        const QRect sw(b.left(), b.center().y() - kSwatch / 2, kSwatch, kSwatch);
        p.fillRect(sw, items[i].colour);
        p.setPen(palette().color(QPalette::Text));
        p.drawText(QRect(sw.right() + 5, b.top(), b.width(), b.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   items[i].label);
    }
}

void LaneTimeline::paintEvent(QPaintEvent*) {
    ++paints_;
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const QColor text = palette().color(QPalette::Text);
    if (!empty_.isEmpty() || laneCount() == 0) {
        p.setPen(QColor(0x70, 0x70, 0x70));
        p.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, empty_);
        return;
    }
    const Geometry g = geometry();
    paintLegend(p, QRect(kPad, kPad, width() - 2 * kPad, g.legend_h));
    const QRect& plot = g.plot;
    const std::vector<LaneRect> rs = model_.layout(plot.width());

    // Lane names and alternating row backgrounds.
    for (int row = 0; row < laneCount(); ++row) {
        const QRect band(plot.left(), plot.top() + row * g.row_h, plot.width(), g.row_h);
        if (row % 2) p.fillRect(band, palette().color(QPalette::AlternateBase));
        p.setPen(text);
        p.drawText(QRect(kPad, band.top(), g.label_w - 2 * kPad, g.row_h), Qt::AlignRight | Qt::AlignVCenter,
                   laneLabel(model_.lanes()[static_cast<size_t>(row)]));
    }
    // Exposed loading: a band across every lane while the training loop waited for data.
    QColor wait_band = phase_colour(Phase::DataWait);
    wait_band.setAlpha(45);
    for (const LaneRect& r : rs)
        if (r.phase == Phase::DataWait)
            p.fillRect(QRectF(plot.left() + r.x0, plot.top(), std::max(1.0, r.x1 - r.x0), plot.height()), wait_band);
    // Whole intervals (iteration, load, evaluate) under their parts.
    for (int layer = 0; layer < 2; ++layer) {
        for (const LaneRect& r : rs) {
            if (r.layer != layer) continue;
            const double top = plot.top() + r.lane * g.row_h;
            // A load's parts fill the lower half of the worker's orange bar, so "busy" stays visible.
            const bool load_part = r.phase >= Phase::ReadPhase && r.phase <= Phase::Collate;
            const double inset = layer == 0 ? 2.0 : g.row_h * 0.22;
            const double y0 = load_part ? top + g.row_h * 0.55 : top + inset;
            const double y1 = load_part ? top + g.row_h - 4.0 : top + g.row_h - inset;
            const QRectF box(plot.left() + r.x0, y0, std::max(1.0, r.x1 - r.x0), std::max(1.0, y1 - y0));
            QColor c = r.part == 1   ? part_colour(Part::Comm)
                       : r.part == 2 ? part_colour(Part::OtherGpu)
                                     : phase_colour(r.phase);
            if (r.phase == Phase::Iteration) {
                p.setPen(QPen(c, 1));
                p.setBrush(Qt::NoBrush);
                p.drawRect(box);
                continue;
            }
            if (layer == 0 && r.phase != Phase::Load) c.setAlpha(110);
            p.fillRect(box, c);
        }
    }
    // Time axis: milliseconds before the newest event.
    const int64_t span = model_.viewEndNs() - model_.viewStartNs();
    p.setPen(text);
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    if (span > 0) {
        const double span_ms = static_cast<double>(span) / 1e6;
        const double step = nice_step(span_ms);
        // Live: milliseconds before the newest event; a saved session: since its start.
        const double origin_ms = static_cast<double>(model_.viewStartNs() - model_.firstNs()) / 1e6;
        const double first = model_.fixed() ? std::ceil(origin_ms / step) * step - origin_ms : 0;
        for (double t = first; t <= span_ms + 1e-9; t += step) {
            const double x = model_.fixed() ? plot.left() + t / span_ms * plot.width()
                                             : plot.right() - t / span_ms * plot.width();
            p.setPen(QColor(0xC8, 0xC8, 0xC8));
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
            p.setPen(text);
            const QString label = model_.fixed() ? QStringLiteral("%1 ms").arg(origin_ms + t, 0, 'g', 6)
                                  : t == 0       ? tr("now")
                                                 : QStringLiteral("\u2212%1 ms").arg(t, 0, 'g', 4);
            const int w = p.fontMetrics().horizontalAdvance(label);
            p.drawText(QPointF(std::clamp(x - w / 2.0, double(plot.left()), double(plot.right() - w)),
                               plot.bottom() + p.fontMetrics().ascent() + 3),
                       label);
        }
    }
}

QPoint LaneTimeline::centreOf(const LaneRect& r) const {
    const Geometry g = geometry();
    return QPoint(g.plot.left() + static_cast<int>((r.x0 + r.x1) / 2), g.plot.top() + r.lane * g.row_h + g.row_h / 2);
}

QString LaneTimeline::tooltipAt(QPoint pos) const {
    if (!empty_.isEmpty() || laneCount() == 0) return {};
    const Geometry g = geometry();
    if (!g.plot.contains(pos)) return {};
    const int row = (pos.y() - g.plot.top()) / std::max(1, g.row_h);
    const double span = static_cast<double>(model_.viewEndNs() - model_.viewStartNs());
    const auto t_at = [&](double x) {
        return model_.viewStartNs() + static_cast<int64_t>((x - g.plot.left()) / g.plot.width() * span);
    };
    const profiler::Event* e = model_.eventAt(row, t_at(pos.x()));
    // A sliver narrower than a pixel: take what lies within a pixel either side.
    if (!e) e = model_.eventAt(row, t_at(pos.x() - 1));
    if (!e) e = model_.eventAt(row, t_at(pos.x() + 1));
    if (!e) return {};
    const profiler::Lane lane = model_.lanes()[static_cast<size_t>(row)];
    QString which;
    if (lane.kind == profiler::LaneKind::LoaderWorker || e->phase == Phase::Load ||
        (e->phase >= Phase::ReadPhase && e->phase <= Phase::Collate))
        which = e->id >= 0 ? tr("batch %1").arg(e->id) : QString();
    else if (e->phase == Phase::Evaluate)
        which = tr("after epoch %1").arg(e->id);
    else
        // An imported trace's lanes are named (CPU threads, GPU streams): its iterations are steps.
        which = e->id < 0 ? QString() : (lane_names_.empty() ? tr("iteration %1") : tr("step %1")).arg(e->id);
    if (lane.kind == profiler::LaneKind::LoaderWorker) {
        const int64_t it = model_.iterationAt(e->start_ns);
        if (it >= 0) which += tr(" (while the training loop ran iteration %1)").arg(it);
    }
    const std::string& label = model_.labelOf(e);
    QString tip = QStringLiteral("<b>%1</b> \u2014 %2<br>%3<br>%4")
                      .arg(label.empty() ? phase_label(e->phase) : QString::fromStdString(label).toHtmlEscaped(),
                           laneLabel(lane), which, ms_text(e->duration_ns()));
    if (e->bytes) tip += tr(", %1 KiB").arg(e->bytes / 1024.0, 0, 'f', 1);
    return tip + QStringLiteral("<br><i>%1</i>").arg(phase_explanation(e->phase));
}

bool LaneTimeline::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString tip = tooltipAt(help->pos());
        if (tip.isEmpty())
            QToolTip::showText(help->globalPos(), toolTip(), this);
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QWidget::event(event);
}

}  // namespace batchscope::ui
