#pragma once
// The lanes of the last iterations: one row per loader worker, the training loop (data wait,
// copy, compute, host), and on GPU runs the copy and compute streams; time runs left to right
// over the last ~16 iterations (at most 2 s). Loading hidden by prefetching shows as a worker
// busy while the training loop computes; exposed loading (data wait) is highlighted across all
// lanes. Painted with QPainter from the snapshot's trace events (no chart framework: thousands of
// rectangles), only when new events arrived; hover a rectangle for its phase, lane, iteration
// and duration.
#include <QColor>
#include <QString>
#include <QWidget>
#include <string>
#include <utility>
#include <vector>

#include "batchscope/engine/run_snapshot.h"
#include "lane_model.h"

namespace batchscope::ui {

QColor phase_colour(profiler::Phase p);
QString phase_label(profiler::Phase p);        // "Data wait", "Load (worker busy)", ...
QString phase_explanation(profiler::Phase p);  // tooltip sentence

class LaneTimeline : public QWidget {
    Q_OBJECT
public:
    explicit LaneTimeline(QWidget* parent = nullptr);

    // Takes the events that are new in `s`; repaints only when some arrived (or the empty
    // state changed).
    void showSnapshot(const engine::RunSnapshot& s);
    void clear();
    // A saved session's events (LaneModel::load): no live updates; the time axis counts from the
    // session's start. `labels`: a name per event for the tooltip; `lane_names`: names shown for
    // lanes instead of the profiler's ("CPU thread 4711"); `empty`: shown when there are none.
    // `parts`: per event, 0 or the breakdown part it counted in (1 comm, 2 other device work),
    // drawn in that part's colour and added to the legend.
    void showEvents(std::vector<profiler::Event> events, std::vector<std::string> labels, std::vector<int> parts,
                    std::vector<std::pair<profiler::Lane, std::string>> lane_names, const QString& empty);
    void setView(int64_t start_ns, int64_t span_ns);  // fixed sets (showEvents) only
    QString laneLabel(profiler::Lane lane) const;

    const LaneModel& model() const { return model_; }
    int laneCount() const { return static_cast<int>(model_.lanes().size()); }
    // Rectangles of the last layout for the current width (tests count them).
    std::vector<LaneRect> rects() const;
    QString emptyText() const { return empty_; }  // shown instead of lanes; empty when lanes are shown
    // Tooltip text for a point of the widget; empty where there is no interval.
    QString tooltipAt(QPoint pos) const;
    QPoint centreOf(const LaneRect& r) const;  // where a rectangle is drawn, in widget coordinates
    int paintCount() const { return paints_; }

    QSize sizeHint() const override { return {900, 300}; }
    QSize minimumSizeHint() const override { return {300, 160}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Geometry {
        QRect plot;        // the lanes' area (time axis across)
        int label_w = 0;   // lane names, left of the plot
        int row_h = 0;
        int legend_h = 0;
    };
    Geometry geometry() const;
    int nameWidth() const;  // the widest lane name shown (cached until the lanes or the font change)
    void paintLegend(QPainter& p, const QRect& area) const;

    LaneModel model_;
    std::vector<std::pair<profiler::Lane, std::string>> lane_names_;
    QString empty_;
    int paints_ = 0;
    mutable std::vector<profiler::Lane> name_w_lanes_;  // the lanes and font the cached width is for
    mutable QFont name_w_font_;
    mutable int name_w_ = 0;
};

}  // namespace batchscope::ui
