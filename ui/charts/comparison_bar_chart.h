#pragma once
// Per-phase breakdowns side by side: one stacked bar per session (mean milliseconds per
// iteration of each part: data wait, h2d, compute, comm, d2h, other GPU work, host), labelled
// with the session's name. Comm and other GPU work are listed only when a session has some.
#include <QStringList>
#include <QWidget>
#include <array>
#include <vector>

#include "breakdown_stats.h"

QT_BEGIN_NAMESPACE
class QBarSet;
class QBarCategoryAxis;
class QChart;
class QChartView;
class QStackedBarSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace batchscope::ui {

class ComparisonBarChart : public QWidget {
    Q_OBJECT
public:
    explicit ComparisonBarChart(QWidget* parent = nullptr);

    // ms[part][session]; `names` one per session.
    void setBars(const QStringList& names, const std::array<std::vector<double>, kPartCount>& ms);
    int barCount() const { return static_cast<int>(names_.size()); }
    double value(Part p, int bar) const;  // ms shown; 0 outside
    QStringList legendLabels() const;     // the parts the legend lists now

private:
    void showBarTooltip(Part part, bool hovered, int index);

    QChartView* view_;
    QChart* chart_;
    QStackedBarSeries* series_;
    std::array<QBarSet*, kPartCount> sets_{};
    QBarCategoryAxis* x_axis_;
    QValueAxis* y_axis_;
    QStringList names_;
    std::array<std::vector<double>, kPartCount> ms_{};
};

}  // namespace batchscope::ui
