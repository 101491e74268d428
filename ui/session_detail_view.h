#pragma once
// The detail of one saved session (imported trace or our own run), opened from the Sessions tab:
// the lane timeline over its stored events (CPU threads with their step and DataLoader spans,
// each GPU stream), scrolled along the session with the bar under it, and the kernel and copy
// tables built from its stored kernels and copies (analysis/session_detail.h). The same widgets
// and table models as the live run's views.
#include <QWidget>
#include <cstdint>
#include <memory>
#include <vector>

#include "batchscope/analysis/session_detail.h"

class QComboBox;
class QLabel;
class QScrollBar;
class QStackedWidget;

namespace batchscope::ui {

class CopyTableModel;
class KernelTableModel;
class LaneTimeline;

class SessionDetailView : public QWidget {
    Q_OBJECT
public:
    SessionDetailView(int64_t id, const QString& name, std::shared_ptr<const analysis::SessionDetail> detail,
                      QWidget* parent = nullptr);

    int64_t sessionId() const { return id_; }
    LaneTimeline* timeline() const { return timeline_; }
    QScrollBar* scrollBar() const { return scroll_; }
    KernelTableModel* kernelModel() const { return kernels_; }
    CopyTableModel* copyModel() const { return copies_; }
    QLabel* scopeLabel() const { return scope_; }
    QComboBox* zoomBox() const { return zoom_; }  // 1 step, 4 steps, 16 steps, all
    bool kernelTableShown() const;  // the table, not the grey reason
    bool copyTableShown() const;

private:
    void scrolled(int value);
    void setZoom(int steps);  // 0: the whole session
    void configureScroll(int64_t span_ns);

    int64_t id_;
    std::shared_ptr<const analysis::SessionDetail> detail_;
    LaneTimeline* timeline_;
    QScrollBar* scroll_;
    KernelTableModel* kernels_;
    CopyTableModel* copies_;
    QStackedWidget* kernel_stack_;
    QStackedWidget* copy_stack_;
    QLabel* scope_;
    QComboBox* zoom_;
    std::vector<int64_t> step_starts_;
    int64_t span_ns_ = 1;
    int64_t unit_ns_ = 1;  // nanoseconds per scroll-bar step (the bar's range is an int)
};

}  // namespace batchscope::ui
