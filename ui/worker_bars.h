#pragma once
// Per loader worker, the share of this epoch's time spent building batches (busy) against
// waiting (prefetch window full, or no work): one horizontal bar each, painted.
#include <QWidget>
#include <vector>

#include "batchscope/engine/loader/loader_stats.h"

namespace batchscope::ui {

class WorkerBars : public QWidget {
    Q_OBJECT
public:
    explicit WorkerBars(QWidget* parent = nullptr);

    // `workers` as LoaderStats has them; `threads` = the workers knob (0: built on the
    // training loop's thread). Repaints only when something changed.
    void setWorkers(const std::vector<engine::WorkerActivity>& workers, int threads);
    void clear();

    int barCount() const { return static_cast<int>(workers_.size()); }
    double busyPercent(int worker) const;  // 0..100; 0 when the worker has not run yet
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {220, 90}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<engine::WorkerActivity> workers_;
    int threads_ = 0;
};

}  // namespace batchscope::ui
