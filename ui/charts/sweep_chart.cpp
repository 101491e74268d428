#include "charts/sweep_chart.h"

#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>

#include "charts/chart_style.h"
#include "charts/presenter_style.h"
#include "phase_style.h"

namespace batchscope::ui {

namespace {

constexpr std::array<QRgb, kMaxSweepBatches> kCurveColours = {
    palette::kBlue,          palette::kOrange,  palette::kBluishGreen, palette::kVermillion,
    palette::kReddishPurple, palette::kSkyBlue, palette::kGrey,        palette::kYellow};

bool same(const SweepCurvePoint& a, const SweepCurvePoint& b) {
    return a.max_batch == b.max_batch && a.offered_rps == b.offered_rps && a.achieved_rps == b.achieved_rps &&
           a.p50_us == b.p50_us && a.p99_us == b.p99_us && a.requests == b.requests && a.session == b.session;
}

QLineSeries* make_line(const QChart* chart, const QString& name, QColor colour, bool dashed) {
    auto* s = new QLineSeries;
    s->setName(name);
    QPen pen(colour, presenter_pen_width(chart, 2.0), dashed ? Qt::DashLine : Qt::SolidLine);
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    s->setPen(pen);
    s->setPointsVisible(true);
    s->setMarkerSize(dashed ? 6 : 8);
    return s;
}

}  // namespace

SweepChart::SweepChart(QWidget* parent)
    : QWidget(parent), view_(new QChartView), chart_(new QChart), x_axis_(new QValueAxis), y_axis_(new QLogValueAxis) {
    style_chart(chart_, tr("Latency versus throughput (sweep)"));
    style_value_axis(x_axis_, tr("achieved throughput [requests/s]"));
    y_axis_->setTitleText(tr("latency [µs], log scale"));
    y_axis_->setTitleFont(x_axis_->titleFont());
    y_axis_->setTitleBrush(x_axis_->titleBrush());
    y_axis_->setLabelsFont(x_axis_->labelsFont());
    y_axis_->setLabelsColor(x_axis_->labelsColor());
    y_axis_->setGridLineColor(x_axis_->gridLineColor());
    y_axis_->setLinePenColor(x_axis_->linePenColor());
    y_axis_->setMinorGridLineColor(QColor(0xF2, 0xF2, 0xF2));
    y_axis_->setMinorTickCount(8);
    y_axis_->setBase(10);
    y_axis_->setLabelFormat(QStringLiteral("%g"));
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    chart_->legend()->setAlignment(Qt::AlignTop);
    placeholder_ = std::make_unique<ChartPlaceholder>(
        chart_, tr("No sweep yet \u2014 run one, or load a saved sweep"));
    view_->setChart(chart_);
    style_view(view_);
    setToolTip(tr("Each dot is one Poisson stream at an offered rate: its p50 (solid) and p99 (dashed) latency "
                  "against the throughput it achieved. One colour per maximum batch size; hover a dot for details."));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    clear();
}

SweepChart::~SweepChart() = default;

void SweepChart::clear() { setPoints({}); }

void SweepChart::setPlaceholderText(const QString& text) { placeholder_->setText(text); }

int SweepChart::dotCount() const {
    int n = 0;
    for (const Curve& c : curves_) n += static_cast<int>(c.p50->count() + c.p99->count());
    return n;
}

QString SweepChart::pointToolTip(int curve, int i) const {
    if (curve < 0 || curve >= curveCount()) return {};
    const Curve& c = curves_[static_cast<size_t>(curve)];
    if (i < 0 || static_cast<size_t>(i) >= c.points.size()) return {};
    return QString::fromStdString(point_tooltip(c.points[static_cast<size_t>(i)]));
}

void SweepChart::setPoints(const std::vector<SweepCurvePoint>& points) {
    if (drawn_ && points.size() == points_.size() && std::equal(points.begin(), points.end(), points_.begin(), same))
        return;
    drawn_ = true;
    points_ = points;
    for (Curve& c : curves_) {
        chart_->removeSeries(c.p50);
        chart_->removeSeries(c.p99);
        delete c.p50;
        delete c.p99;
    }
    curves_.clear();

    std::vector<int> batches;
    for (const auto& p : points_)
        if (std::find(batches.begin(), batches.end(), p.max_batch) == batches.end()) batches.push_back(p.max_batch);
    std::sort(batches.begin(), batches.end());
    double x_max = 0, y_min = 0, y_max = 0;
    for (size_t k = 0; k < batches.size(); ++k) {
        Curve c{batches[k], nullptr, nullptr, {}};
        for (const auto& p : points_)
            if (p.max_batch == c.max_batch) c.points.push_back(p);
        std::stable_sort(c.points.begin(), c.points.end(),
                         [](const SweepCurvePoint& a, const SweepCurvePoint& b) { return a.offered_rps < b.offered_rps; });
        const QColor colour(kCurveColours[k % kCurveColours.size()]);
        c.p50 = make_line(chart_, tr("max batch %1 \u00b7 p50").arg(c.max_batch), colour, false);
        c.p99 = make_line(chart_, tr("max batch %1 \u00b7 p99").arg(c.max_batch), colour, true);
        QList<QPointF> p50, p99;
        for (const auto& p : c.points) {
            // A log axis cannot show 0: latencies under 0.1 µs do not occur, clamp for safety.
            p50.append({p.achieved_rps, std::max(p.p50_us, 0.1)});
            p99.append({p.achieved_rps, std::max(p.p99_us, 0.1)});
            x_max = std::max(x_max, p.achieved_rps);
            y_min = y_min == 0 ? std::max(p.p50_us, 0.1) : std::min(y_min, std::max(p.p50_us, 0.1));
            y_max = std::max({y_max, p.p99_us, p.p50_us});
        }
        c.p50->replace(p50);
        c.p99->replace(p99);
        for (QLineSeries* s : {c.p50, c.p99}) {
            chart_->addSeries(s);
            s->attachAxis(x_axis_);
            s->attachAxis(y_axis_);
        }
        curves_.push_back(c);
        const size_t idx = curves_.size() - 1;
        connect(c.p50, &QLineSeries::hovered, this,
                [this, idx](const QPointF& at, bool on) { showToolTip(curves_[idx], at, false, on); });
        connect(c.p99, &QLineSeries::hovered, this,
                [this, idx](const QPointF& at, bool on) { showToolTip(curves_[idx], at, true, on); });
    }
    set_nice_range(x_axis_, 0, x_max > 0 ? x_max * 1.05 : 1000);
    const double lo = y_min > 0 ? std::pow(10.0, std::floor(std::log10(y_min))) : 10;
    const double hi = y_max > 0 ? std::pow(10.0, std::ceil(std::log10(y_max * 1.05))) : 10000;
    y_axis_->setRange(lo, std::max(hi, lo * 10));
    placeholder_->setVisible(points_.empty());
}

void SweepChart::showToolTip(const Curve& c, const QPointF& at, bool p99, bool on) {
    if (!on || c.points.empty()) {
        QToolTip::hideText();
        return;
    }
    // The nearest point of the curve (on screen) to where the mouse is.
    const QPointF mouse = chart_->mapToPosition(at, p99 ? c.p99 : c.p50);
    size_t best = 0;
    double best_d = 1e300;
    for (size_t i = 0; i < c.points.size(); ++i) {
        const SweepCurvePoint& p = c.points[i];
        const QPointF dot = chart_->mapToPosition({p.achieved_rps, std::max(p99 ? p.p99_us : p.p50_us, 0.1)},
                                                  p99 ? c.p99 : c.p50);
        const double d = std::hypot(dot.x() - mouse.x(), dot.y() - mouse.y());
        if (d < best_d) best_d = d, best = i;
    }
    QToolTip::showText(QCursor::pos(), QString::fromStdString(point_tooltip(c.points[best])), this);
}

}  // namespace batchscope::ui
