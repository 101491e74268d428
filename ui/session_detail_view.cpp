#include "session_detail_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <QSignalBlocker>

#include "batchscope/store/records.h"
#include "device_table_view.h"
#include "device_tables.h"
#include "lane_timeline.h"

namespace batchscope::ui {

SessionDetailView::SessionDetailView(int64_t id, const QString& name,
                                     std::shared_ptr<const analysis::SessionDetail> detail, QWidget* parent)
    : QWidget(parent), id_(id), detail_(std::move(detail)), timeline_(new LaneTimeline),
      scroll_(new QScrollBar(Qt::Horizontal)), kernels_(new KernelTableModel(this)), copies_(new CopyTableModel(this)),
      scope_(new QLabel), zoom_(new QComboBox) {
    setWindowTitle(tr("Session %1: %2 \u2014 timeline, kernels and copies").arg(id).arg(name));
    const analysis::SessionDetail& d = *detail_;
    scope_->setWordWrap(true);
    scope_->setText(tr("Session %1 (%2): %3").arg(id).arg(name, QString::fromStdString(d.scope)) +
                    (d.notes.empty() ? QString() : QStringLiteral("\n") + QString::fromStdString(d.notes.front())));

    // Names for the tooltip: a collective or other device work says which part it counted in.
    std::vector<std::string> labels(d.names);
    for (size_t i = 0; i < labels.size() && i < d.parts.size(); ++i) {
        if (labels[i].empty()) continue;
        if (d.parts[i] == store::kPartComm) labels[i] += " (collective: counted as comm)";
        else if (d.parts[i] == store::kPartOtherGpu) labels[i] += " (other device work)";
    }
    timeline_->setToolTip(tr("The lanes of the session's stored events: each CPU thread (steps, DataLoader waits) and "
                             "each GPU stream (kernels, copies, memsets). Scroll along the session with the bar below; "
                             "hover a rectangle for its name, step and duration."));
    timeline_->showEvents(d.events, std::move(labels), d.parts, d.lane_names,
                          tr("This session has no stored events and no iterations to draw."));
    // The steps' starts (controller iterations), for the zoom.
    for (const profiler::Event& e : d.events)
        if (e.phase == profiler::Phase::Iteration && e.lane.kind == profiler::LaneKind::Controller)
            step_starts_.push_back(e.start_ns);
    std::sort(step_starts_.begin(), step_starts_.end());
    zoom_->addItem(tr("1 step"), 1);
    zoom_->addItem(tr("4 steps"), 4);
    zoom_->addItem(tr("16 steps"), LaneModel::kIterations);
    zoom_->addItem(tr("all"), 0);
    zoom_->setCurrentIndex(2);  // what LaneModel::load shows first
    zoom_->setToolTip(tr("How much of the session the timeline shows at once"));
    scroll_->setToolTip(tr("Move the timeline along the session"));
    connect(zoom_, &QComboBox::currentIndexChanged, this, [this] { setZoom(zoom_->currentData().toInt()); });
    connect(scroll_, &QScrollBar::valueChanged, this, &SessionDetailView::scrolled);
    const LaneModel& m = timeline_->model();
    configureScroll(m.viewEndNs() - m.viewStartNs());

    kernels_->setRows(d.kernels);
    copies_->setRows(d.copies);
    auto* kernel_view = make_device_table(kernels_, KernelTableModel::TotalMs, this,
                                          tr("Kernels of the stored events, by name: calls, total, mean and longest "
                                             "time, share of all kernel time"));
    auto* copy_view = make_device_table(copies_, CopyTableModel::TotalMs, this,
                                        tr("Copies of the stored events, by direction and host memory (pinned or "
                                           "pageable, from the copy's name): calls, bytes, time, achieved GB/s"));
    // Kernel names run to hundreds of characters (templates): the name column is cut, not grown.
    kernel_view->horizontalHeader()->setSectionResizeMode(KernelTableModel::Name, QHeaderView::Interactive);
    kernel_view->horizontalHeader()->resizeSection(KernelTableModel::Name, 560);
    kernel_view->setTextElideMode(Qt::ElideMiddle);
    kernel_view->setWordWrap(false);
    const QString reason = QString::fromStdString(d.tables_note);
    kernel_stack_ = table_or_reason(kernel_view, new QLabel(reason.isEmpty() ? tr("No kernels in the stored events") : reason));
    copy_stack_ = table_or_reason(copy_view, new QLabel(reason.isEmpty() ? tr("No copies in the stored events") : reason));
    kernel_stack_->setCurrentIndex(d.kernels.empty() ? 1 : 0);
    copy_stack_->setCurrentIndex(d.copies.empty() ? 1 : 0);

    auto* top = new QWidget;
    auto* top_layout = new QVBoxLayout(top);
    top_layout->setContentsMargins(0, 0, 0, 0);
    top_layout->addWidget(timeline_, 1);
    auto* scroll_row = new QHBoxLayout;
    scroll_row->addWidget(scroll_, 1);
    scroll_row->addWidget(new QLabel(tr("Show:")));
    scroll_row->addWidget(zoom_);
    top_layout->addLayout(scroll_row);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(kernel_copy_tables(kernel_stack_, copy_stack_));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(scope_);
    layout->addWidget(split, 1);
    resize(1100, 800);
}

void SessionDetailView::configureScroll(int64_t span_ns) {
    const LaneModel& m = timeline_->model();
    span_ns_ = std::max<int64_t>(1, span_ns);
    const int64_t total = std::max<int64_t>(0, m.lastNs() - m.firstNs() - span_ns_);
    unit_ns_ = std::max<int64_t>(1, std::max(total, span_ns_) / 100'000);
    const QSignalBlocker quiet(scroll_);
    scroll_->setRange(0, static_cast<int>(total / unit_ns_));
    scroll_->setPageStep(static_cast<int>(std::max<int64_t>(1, span_ns_ / unit_ns_)));
    scroll_->setSingleStep(std::max(1, scroll_->pageStep() / 10));
    scroll_->setValue(static_cast<int>((m.viewStartNs() - m.firstNs()) / unit_ns_));
}

void SessionDetailView::setZoom(int steps) {
    const LaneModel& m = timeline_->model();
    int64_t span = m.lastNs() - m.firstNs();
    if (steps > 0 && static_cast<size_t>(steps) < step_starts_.size())
        span = step_starts_[static_cast<size_t>(steps)] - step_starts_.front();
    // Keep the left edge where it is (within the session).
    timeline_->setView(m.viewStartNs(), std::max<int64_t>(1, span));
    configureScroll(m.viewEndNs() - m.viewStartNs());
}

void SessionDetailView::scrolled(int value) {
    timeline_->setView(timeline_->model().firstNs() + static_cast<int64_t>(value) * unit_ns_, span_ns_);
}

bool SessionDetailView::kernelTableShown() const { return kernel_stack_->currentIndex() == 0; }
bool SessionDetailView::copyTableShown() const { return copy_stack_->currentIndex() == 0; }

}  // namespace batchscope::ui
