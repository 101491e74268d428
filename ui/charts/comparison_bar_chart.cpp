#include "charts/comparison_bar_chart.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QLegendMarker>
#include <QToolTip>
#include <QStackedBarSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

#include "charts/chart_style.h"
#include "charts/part_legend.h"
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
        connect(set, &QBarSet::hovered, this, [this, p](bool on, int index) { showBarTooltip(p, on, index); });
    }
    chart_->addSeries(series_);
    style_value_axis(y_axis_, tr("ms per iteration"));
    chart_->addAxis(x_axis_, Qt::AlignBottom);
    chart_->addAxis(y_axis_, Qt::AlignLeft);
    series_->attachAxis(x_axis_);
    series_->attachAxis(y_axis_);
    chart_->legend()->setAlignment(Qt::AlignRight);  // seven parts: listed one under another, names in full
    explain_parts_on_hover(chart_, series_, this);
    view_->setChart(chart_);
    style_view(view_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_);
    setToolTip(tr("Where each session's iterations spent their time, on average. Data wait: the "
                  "trainer waited for the loader; H2D/D2H: copies to and from the device; compute: the "
                  "model's forward and backward pass; comm: collectives (imported traces); other GPU work: "
                  "memsets, device-to-device and peer copies (imported traces); host: everything else.\n"
                  "Hover a bar or a legend entry for details."));
}

void ComparisonBarChart::setBars(const QStringList& names, const std::array<std::vector<double>, kPartCount>& ms) {
    names_ = names;
    ms_ = ms;
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
    const auto legend_markers = chart_->legend()->markers(series_);
    for (qsizetype i = 0; i < legend_markers.size() && i < kPartCount; ++i)
        legend_markers[i]->setVisible(part_listed(kParts[static_cast<size_t>(i)], ms[static_cast<size_t>(i)]));
    for (double t : totals) top = std::max(top, t);
    x_axis_->clear();
    x_axis_->append(names);
    set_nice_range(y_axis_, 0, top > 0 ? top * 1.05 : 1.0);
}

double ComparisonBarChart::value(Part p, int bar) const {
    const auto& v = ms_[static_cast<size_t>(p)];
    return bar >= 0 && static_cast<size_t>(bar) < v.size() ? v[static_cast<size_t>(bar)] : 0.0;
}

QStringList ComparisonBarChart::legendLabels() const { return visible_legend_labels(chart_, series_); }

void ComparisonBarChart::showBarTooltip(Part part, bool hovered, int index) {
    if (!hovered || index < 0 || index >= names_.size()) {
        QToolTip::hideText();
        return;
    }
    double total = 0;
    for (Part p : kParts) total += value(p, index);
    const double ms = value(part, index);
    QToolTip::showText(QCursor::pos(),
                       QStringLiteral("<b>%1 %2: %3 ms</b> (%4% of %5 ms)<br>%6")
                           .arg(names_[index], part_label(part))
                           .arg(ms, 0, 'f', 2)
                           .arg(total > 0 ? ms / total * 100.0 : 0.0, 0, 'f', 0)
                           .arg(total, 0, 'f', 2)
                           .arg(part_explanation(part)),
                       this);
}

}  // namespace batchscope::ui
