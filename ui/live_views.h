#pragma once
// The live charts of a training run, fed from one snapshot at a time: the breakdown of the
// last iterations, throughput over time, training loss and test accuracy, with knob changes
// marked on all of them.
#include <QWidget>

#include "batchscope/engine/run_snapshot.h"
#include "run_timeline.h"

namespace batchscope::ui {

class BreakdownBarChart;
class TimeSeriesChart;

class LiveViews : public QWidget {
    Q_OBJECT
public:
    explicit LiveViews(QWidget* parent = nullptr);

    void showSnapshot(const engine::RunSnapshot& s, const RunTimeline& timeline);
    void clear();

    BreakdownBarChart* breakdownChart() const { return breakdown_; }
    TimeSeriesChart* throughputChart() const { return throughput_; }
    TimeSeriesChart* lossChart() const { return loss_; }

private:
    BreakdownBarChart* breakdown_;
    TimeSeriesChart* throughput_;
    TimeSeriesChart* loss_;
    int throughput_series_ = -1;
    int loss_series_ = -1;
    int accuracy_series_ = -1;
};

}  // namespace batchscope::ui
