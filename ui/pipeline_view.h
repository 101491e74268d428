#pragma once
// The "Pipeline" sub-tab of the Live tab: the lane timeline of the last iterations on top; below
// it, the prefetch queue's depth over the run against the prefetch-depth knob, and each loader
// worker's busy share. Fed one snapshot at a time (by LiveTabs, only while it is shown).
#include <QList>
#include <QPointF>
#include <QWidget>

#include "batchscope/engine/run_snapshot.h"
#include "run_timeline.h"

class QSplitter;

namespace batchscope::ui {

class LaneTimeline;
class TimeSeriesChart;
class WorkerBars;

// The prefetch depth in effect at `iteration`, from the run's knob changes.
int prefetch_depth_at(const engine::RunSnapshot& s, int64_t iteration);

class PipelineView : public QWidget {
    Q_OBJECT
public:
    static constexpr qsizetype kMaxQueuePoints = 2000;  // then neighbours are merged
    static constexpr double kChartEveryS = 0.25;        // queue chart redraws, run seconds apart

    explicit PipelineView(QWidget* parent = nullptr);

    void showSnapshot(const engine::RunSnapshot& s, const RunTimeline& timeline);
    void clear();

    LaneTimeline* lanes() const { return lanes_; }
    TimeSeriesChart* queueChart() const { return queue_; }
    WorkerBars* workerBars() const { return workers_; }
    QSplitter* splitter() const { return split_; }
    QSplitter* bottomSplitter() const { return bottom_; }

private:
    LaneTimeline* lanes_;
    TimeSeriesChart* queue_;
    WorkerBars* workers_;
    QSplitter* split_;
    QSplitter* bottom_;
    int queue_series_ = -1;
    int depth_series_ = -1;
    QList<QPointF> queue_points_, depth_points_;
    int64_t last_iteration_ = -1;
    size_t knobs_shown_ = 0;
    double chart_t_ = -1;   // run time of the last queue chart redraw
    bool pending_ = false;  // points not drawn yet
};

}  // namespace batchscope::ui
