#include "pipeline_view.h"

#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "chart_export.h"
#include "charts/time_series_chart.h"
#include "lane_timeline.h"
#include "phase_style.h"
#include "run_text.h"
#include "worker_bars.h"

namespace batchscope::ui {

namespace {

QList<ChartMarker> knob_markers(const RunTimeline& timeline) {
    QList<ChartMarker> markers;
    for (const auto& k : timeline.knob_changes())
        markers.append({k.t_s, QString::fromStdString(knob_change_label(k.change)),
                        QStringLiteral("%1: %2 \u2192 %3\nfrom iteration %4 (t = %5 s)")
                            .arg(QString::fromStdString(k.change.knob))
                            .arg(k.change.old_value)
                            .arg(k.change.new_value)
                            .arg(k.change.iteration)
                            .arg(k.t_s, 0, 'f', 1)});
    return markers;
}

}  // namespace

void QueueSeries::clear() {
    buckets_.clear();
    step_ = kStepS;
}

void QueueSeries::add(double t_s, int ready, int depth) {
    const auto index = static_cast<int64_t>(std::floor(std::max(0.0, t_s) / step_));
    if (buckets_.empty() || index > buckets_.back().index) {
        buckets_.push_back({index, 0.0, 0, ready, depth});
    }
    Bucket& b = buckets_.back();  // a late record of an earlier interval joins the newest
    b.sum += ready;
    ++b.count;
    b.min = std::min(b.min, ready);
    b.depth = depth;
    if (buckets_.size() <= kMaxBuckets) return;
    // Twice as long intervals: neighbours with the same new index merge.
    step_ *= 2;
    std::vector<Bucket> merged;
    for (Bucket x : buckets_) {
        x.index /= 2;
        if (!merged.empty() && merged.back().index == x.index) {
            Bucket& m = merged.back();
            m.sum += x.sum;
            m.count += x.count;
            m.min = std::min(m.min, x.min);
            m.depth = x.depth;
        } else {
            merged.push_back(x);
        }
    }
    buckets_ = std::move(merged);
}

QList<QPointF> QueueSeries::mean() const {
    QList<QPointF> out;
    for (const Bucket& b : buckets_) out.append(QPointF((static_cast<double>(b.index) + 0.5) * step_, b.sum / b.count));
    return out;
}

QList<QPointF> QueueSeries::fewest() const {
    QList<QPointF> out;
    for (const Bucket& b : buckets_) out.append(QPointF((static_cast<double>(b.index) + 0.5) * step_, b.min));
    return out;
}

QList<QPointF> QueueSeries::depth() const {
    QList<QPointF> out;
    for (const Bucket& b : buckets_) out.append(QPointF((static_cast<double>(b.index) + 0.5) * step_, b.depth));
    return out;
}

int prefetch_depth_at(const engine::RunSnapshot& s, int64_t iteration) {
    const engine::KnobChange* first = nullptr;
    const engine::KnobChange* last_before = nullptr;
    for (const auto& k : s.knob_changes) {
        if (k.knob != "prefetch_depth") continue;
        if (!first) first = &k;
        if (k.iteration <= iteration) last_before = &k;
    }
    if (last_before) return static_cast<int>(last_before->new_value);
    if (first) return static_cast<int>(first->old_value);
    return s.prefetch_depth;
}

PipelineView::PipelineView(QWidget* parent)
    : QWidget(parent),
      lanes_(new LaneTimeline),
      queue_(new TimeSeriesChart(tr("Prefetch queue"), tr("batches ready"))),
      workers_(new WorkerBars),
      split_(new QSplitter(Qt::Vertical)),
      bottom_(new QSplitter(Qt::Horizontal)) {
    mean_series_ = queue_->addSeries(tr("mean ready"), QColor(palette::kOrange));
    fewest_series_ = queue_->addSeries(tr("fewest ready"), QColor(palette::kVermillion));
    depth_series_ = queue_->addSeries(tr("prefetch depth (knob)"), QColor(palette::kBlue));
    queue_->setToolTip(tr("Batches waiting in the prefetch queue when an iteration began, per quarter second of the "
                          "run (longer intervals on long runs): the mean and the fewest, against the prefetch depth "
                          "knob (the queue's ceiling). Near the knob: loading keeps ahead. Fewest at 0: some "
                          "iteration found no batch ready and waited (data wait). Dashed lines mark knob changes."));
    add_chart_save_menu(queue_, QStringLiteral("prefetch-queue"));
    bottom_->addWidget(queue_);
    bottom_->addWidget(workers_);
    bottom_->setStretchFactor(0, 3);
    bottom_->setStretchFactor(1, 2);
    bottom_->setChildrenCollapsible(false);
    split_->addWidget(lanes_);
    split_->addWidget(bottom_);
    split_->setStretchFactor(0, 1);
    split_->setStretchFactor(1, 1);
    split_->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split_);
    clear();
}

void PipelineView::clear() {
    lanes_->clear();
    queue_->clear();
    queue_->setPlaceholderText(tr("No iterations yet \u2014 press Start (Ctrl+R)"));
    workers_->clear();
    series_.clear();
    last_iteration_ = -1;
    knobs_shown_ = 0;
    chart_t_ = -1;
    pending_ = false;
}

void PipelineView::observe(const engine::RunSnapshot& s) {
    // A new run (iterations count from 0 again): start the series over.
    if (!s.recent.empty() && s.recent.back().iteration < last_iteration_) {
        series_.clear();
        last_iteration_ = -1;
    }
    for (const engine::IterationRecord& r : s.recent) {
        if (r.iteration <= last_iteration_) continue;
        const double t = seconds_since_start(s, r.start_ns);
        series_.add(t, r.queue_depth, prefetch_depth_at(s, r.iteration));
        last_iteration_ = r.iteration;
        pending_ = true;  // drawn at the next due redraw
    }
}

void PipelineView::showSnapshot(const engine::RunSnapshot& s, const RunTimeline& timeline) {
    lanes_->showSnapshot(s);
    workers_->setWorkers(s.loader.workers, s.workers);
    observe(s);
    // A whole-run chart: four redraws a second are plenty (Qt Charts redraws are the dear part).
    const bool due = s.elapsed_s - chart_t_ >= kChartEveryS || s.elapsed_s < chart_t_ ||
                     s.state != engine::RunState::Running;
    if (pending_ && due) {
        queue_->setPoints(mean_series_, series_.mean());
        queue_->setPoints(fewest_series_, series_.fewest());
        queue_->setPoints(depth_series_, series_.depth());
        chart_t_ = s.elapsed_s;
        pending_ = false;
    }
    if (timeline.knob_changes().size() != knobs_shown_) {
        knobs_shown_ = timeline.knob_changes().size();
        queue_->setMarkers(knob_markers(timeline));
    }
}

}  // namespace batchscope::ui
