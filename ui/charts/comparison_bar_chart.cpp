#include "charts/comparison_bar_chart.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QStackedBarSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

#include "charts/chart_style.h"
#include "phase_style.h"

namespace batchscope::ui {

ComparisonBarChart::ComparisonBarChart(QWidget* parent)
    : QWidget(parent), view_(new QChartView), chart_(new QChart), series_(new QStackedBarSeries),
      x_axis_(new QBarCategoryAxis), y_axis_(new QValueAxis) {
    style_chart(chart_, tr("Mean iteration, per phase"));
    for (Part p : kParts) {
        auto* set = new QBarSet(part_label(p));
        set->setColor(part_colour(p));
        set->setBorderColor(part_colour(p));
        sets_[static_cast<size_t>(p)] = set;
        series_->append(set);
    }
    chart_->addSeries(series_);
    style_value_axis(y_axis_, tr("ms per iteration"));
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    series_->attachAxis(x_axis_);
    series_->attachAxis(y_axis_);
    chart_->legend()->setAlignment(Qt::AlignTop);
    view_->setChart(chart_);
    style_view(view_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    setToolTip(tr("Where each session's iterations spent their time, on average. Data wait: the "
                  "trainer waited for the loader; H2D/D2H: copies to and from the device; compute: the "
                  "model's forward and backward pass; host: everything else."));
}

void ComparisonBarChart::setBars(const QStringList& names, const std::array<std::vector<double>, kPartCount>& ms) {
    names_ = names;
    double top = 0;
    std::vector<double> totals(static_cast<size_t>(names.size()));
    for (Part p : kParts) {
        QBarSet* set = sets_[static_cast<size_t>(p)];
        set->remove(0, set->count());
        const auto& v = ms[static_cast<size_t>(p)];
        for (size_t i = 0; i < totals.size(); ++i) {
            const double x = i < v.size() ? v[i] : 0.0;
            set->append(x);
            totals[i] += x;
        }
    }
    for (double t : totals) top = std::max(top, t);
    x_axis_->clear();
    x_axis_->append(names);
    set_nice_range(y_axis_, 0, top > 0 ? top * 1.05 : 1.0);
}

}  // namespace batchscope::ui
