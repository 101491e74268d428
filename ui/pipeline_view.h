#pragma once
// The "Pipeline" sub-tab of the Live tab: the lane timeline of the last iterations on top; below
// it, the prefetch queue's depth over the run against the prefetch-depth knob, and each loader
// worker's busy share. Fed one snapshot at a time (by LiveTabs, only while it is shown).
#include <QList>
#include <QPointF>
#include <QWidget>
#include <vector>

#include "batchscope/engine/run_snapshot.h"
#include "run_timeline.h"

class QSplitter;

namespace batchscope::ui {

class LaneTimeline;
class TimeSeriesChart;
class WorkerBars;

// The prefetch depth in effect at `iteration`, from the run's knob changes.
int prefetch_depth_at(const engine::RunSnapshot& s, int64_t iteration);

// Batches ready when each iteration began, per interval of run time: mean, fewest, and the
// prefetch depth at the interval's last iteration. Intervals start at kStepS and double (pairs
// merge exactly) whenever there are more than kMaxBuckets.
class QueueSeries {
public:
    static constexpr double kStepS = 0.25;
    static constexpr size_t kMaxBuckets = 1200;

    void add(double t_s, int ready, int depth);
    void clear();
    QList<QPointF> mean() const;
    QList<QPointF> fewest() const;
    QList<QPointF> depth() const;
    double step() const { return step_; }

private:
    struct Bucket {
        int64_t index = 0;  // floor(t / step)
        double sum = 0;
        int count = 0, min = 0, depth = 0;
    };
    std::vector<Bucket> buckets_;
    double step_ = kStepS;
};

class PipelineView : public QWidget {
    Q_OBJECT
public:
    static constexpr double kChartEveryS = 0.25;  // queue chart redraws, run seconds apart

    explicit PipelineView(QWidget* parent = nullptr);

    void showSnapshot(const engine::RunSnapshot& s, const RunTimeline& timeline);
    // Adds the snapshot's new iterations to the whole-run queue series without drawing. The
    // window calls it for every snapshot, shown or not (the run's recent iterations are bounded:
    // a hidden view fed only when shown would lose the ones in between).
    void observe(const engine::RunSnapshot& s);
    void clear();

    LaneTimeline* lanes() const { return lanes_; }
    TimeSeriesChart* queueChart() const { return queue_; }
    WorkerBars* workerBars() const { return workers_; }
    QSplitter* splitter() const { return split_; }
    QSplitter* bottomSplitter() const { return bottom_; }
    const QueueSeries& queueSeries() const { return series_; }

private:
    LaneTimeline* lanes_;
    TimeSeriesChart* queue_;
    WorkerBars* workers_;
    QSplitter* split_;
    QSplitter* bottom_;
    int mean_series_ = -1;
    int fewest_series_ = -1;
    int depth_series_ = -1;
    QueueSeries series_;
    int64_t last_iteration_ = -1;
    size_t knobs_shown_ = 0;
    double chart_t_ = -1;   // run time of the last queue chart redraw
    bool pending_ = false;  // points not drawn yet
};

}  // namespace batchscope::ui
