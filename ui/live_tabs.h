#pragma once
// The Live tab's sub-tabs: "Breakdown" (the stacked breakdown, throughput, loss), "Pipeline"
// (lane timeline, prefetch queue, worker utilisation) and "GPU & memory" (memory, kernel and
// copy tables). Only the sub-tab shown is fed snapshots, and none while the window shows
// another tab; one shown later catches up from the newest snapshot at once. Ctrl+1..3 pick a
// sub-tab (MainWindow); the choice and the splitter sizes are remembered.
#include <QTabWidget>
#include <memory>

#include "batchscope/engine/run_snapshot.h"
#include "run_timeline.h"

namespace batchscope::ui {

class GpuMemoryView;
class LiveViews;
class PipelineView;

class LiveTabs : public QTabWidget {
    Q_OBJECT
public:
    enum Index { Breakdown = 0, Pipeline, GpuMemory };

    // Takes `breakdown` (the existing live charts) as its first sub-tab.
    explicit LiveTabs(LiveViews* breakdown, QWidget* parent = nullptr);

    // `timeline` must outlive the next call (MainWindow owns it).
    void showSnapshot(std::shared_ptr<const engine::RunSnapshot> s, const RunTimeline& timeline);
    void clear();

    LiveViews* breakdown() const { return breakdown_; }
    PipelineView* pipeline() const { return pipeline_; }
    GpuMemoryView* gpuMemory() const { return gpu_; }
    // Snapshots handed to each sub-tab (tests: the hidden ones get none).
    int feedCount(Index i) const { return feeds_[i]; }

    void saveLayout() const;     // QSettings "live/..."
    void restoreLayout();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void feedCurrent();

    LiveViews* breakdown_;
    PipelineView* pipeline_;
    GpuMemoryView* gpu_;
    std::shared_ptr<const engine::RunSnapshot> latest_;
    const RunTimeline* timeline_ = nullptr;
    // The snapshot each sub-tab last got, so a sub-tab shown again is fed only if it is behind.
    std::shared_ptr<const engine::RunSnapshot> fed_[3];
    int feeds_[3] = {0, 0, 0};
};

}  // namespace batchscope::ui
