#pragma once
// Per-phase breakdowns side by side: one stacked bar per session (mean milliseconds per
// iteration of data wait, h2d, compute, d2h, host), labelled with the session's name.
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

private:
    QChartView* view_;
    QChart* chart_;
    QStackedBarSeries* series_;
    std::array<QBarSet*, kPartCount> sets_{};
    QBarCategoryAxis* x_axis_;
    QValueAxis* y_axis_;
    QStringList names_;
};

}  // namespace batchscope::ui
