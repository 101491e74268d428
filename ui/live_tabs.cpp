#include "live_tabs.h"

#include <QSettings>
#include <QSplitter>

#include "gpu_memory_view.h"
#include "live_views.h"
#include "pipeline_view.h"

namespace batchscope::ui {

namespace {
QSettings settings() { return QSettings(QStringLiteral("Batchscope"), QStringLiteral("batchscope")); }
}  // namespace

LiveTabs::LiveTabs(LiveViews* breakdown, QWidget* parent)
    : QTabWidget(parent), breakdown_(breakdown), pipeline_(new PipelineView), gpu_(new GpuMemoryView) {
    setDocumentMode(true);
    addTab(breakdown_, tr("Breakdown"));
    addTab(pipeline_, tr("Pipeline"));
    addTab(gpu_, tr("GPU && memory"));
    setTabToolTip(Breakdown, tr("Where each iteration's time went, throughput, loss and accuracy (Ctrl+1)"));
    setTabToolTip(Pipeline, tr("Lanes of the last iterations (loader workers, training loop, GPU streams), the "
                               "prefetch queue and worker utilisation: how prefetching hides loading (Ctrl+2)"));
    setTabToolTip(GpuMemory, tr("Memory of the run, GPU kernels and copies (Ctrl+3)"));
    connect(this, &QTabWidget::currentChanged, this, [this] { feedCurrent(); });
}

void LiveTabs::showSnapshot(std::shared_ptr<const engine::RunSnapshot> s, const RunTimeline& timeline) {
    latest_ = std::move(s);
    timeline_ = &timeline;
    feedCurrent();
}

void LiveTabs::showEvent(QShowEvent* event) {
    QTabWidget::showEvent(event);
    feedCurrent();  // the Live tab is shown again: catch up
}

void LiveTabs::feedCurrent() {
    const int i = currentIndex();
    if (!latest_ || !timeline_ || i < 0 || i > GpuMemory || fed_[i] == latest_) return;
    // The window is on screen but shows another tab (Inference, Sessions): no work. (A window
    // never shown, as in tests, is fed as if it were.)
    if (window()->isVisible() && !isVisible()) return;
    fed_[i] = latest_;
    ++feeds_[i];
    const engine::RunSnapshot& s = *latest_;
    switch (i) {
        case Breakdown: breakdown_->showSnapshot(s, *timeline_); break;
        case Pipeline: pipeline_->showSnapshot(s, *timeline_); break;
        case GpuMemory: gpu_->showSnapshot(s); break;
    }
}

void LiveTabs::clear() {
    latest_.reset();
    for (auto& f : fed_) f.reset();
    breakdown_->clear();
    pipeline_->clear();
    gpu_->clear();
}

void LiveTabs::saveLayout() const {
    QSettings s = settings();
    s.setValue(QStringLiteral("live/subtab"), currentIndex());
    s.setValue(QStringLiteral("live/pipeline_split"), pipeline_->splitter()->saveState());
    s.setValue(QStringLiteral("live/pipeline_bottom"), pipeline_->bottomSplitter()->saveState());
    s.setValue(QStringLiteral("live/gpu_split"), gpu_->splitter()->saveState());
}

void LiveTabs::restoreLayout() {
    const QSettings s = settings();
    bool ok = false;
    const int tab = s.value(QStringLiteral("live/subtab")).toInt(&ok);
    if (ok && tab >= 0 && tab < count()) setCurrentIndex(tab);
    pipeline_->splitter()->restoreState(s.value(QStringLiteral("live/pipeline_split")).toByteArray());
    pipeline_->bottomSplitter()->restoreState(s.value(QStringLiteral("live/pipeline_bottom")).toByteArray());
    gpu_->splitter()->restoreState(s.value(QStringLiteral("live/gpu_split")).toByteArray());
}

}  // namespace batchscope::ui
