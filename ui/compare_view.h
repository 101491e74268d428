#pragma once
// Two or more saved sessions side by side: throughput and loss curves overlaid, the per-phase
// breakdowns as bars next to each other, the configuration diff (live knobs marked) and the
// metric deltas in % against the first session. Imported PyTorch traces have no batch size and
// no loss: throughput is then in steps/s and the loss chart says that a trace records none. The
// ranks of one imported job also get the per-rank and straggler tables.
#include <QWidget>
#include <memory>
#include <vector>

#include "session_data.h"

class QLabel;
class QTableWidget;
class QVBoxLayout;

namespace batchscope::ui {

class ComparisonBarChart;
class RankComparisonView;
class TimeSeriesChart;

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void showComparison(std::shared_ptr<const ComparisonData> comparison);
    void clear();
    std::shared_ptr<const ComparisonData> shown() const { return data_; }

    TimeSeriesChart* throughputChart() const { return throughput_; }
    TimeSeriesChart* lossChart() const { return loss_; }
    ComparisonBarChart* breakdownChart() const { return bars_; }
    QTableWidget* configTable() const { return config_; }
    QTableWidget* metricTable() const { return metrics_; }
    RankComparisonView* rankView() const { return ranks_; }
    QLabel* titleLabel() const { return title_; }

private:
    void rebuildCharts(int sessions);

    std::shared_ptr<const ComparisonData> data_;
    QLabel* title_;
    QWidget* chart_row_;
    TimeSeriesChart* throughput_ = nullptr;
    TimeSeriesChart* loss_ = nullptr;
    std::vector<int> loss_series_;  // per session: its series in loss_, -1 when it has no loss
    ComparisonBarChart* bars_;
    QTableWidget* config_;
    QTableWidget* metrics_;
    RankComparisonView* ranks_;
};

// The titles of the comparison's throughput and loss charts: they say when the throughput is
// in steps/s and which sessions have no loss (imported traces).
QString throughput_title(const ComparisonData& d);
QString loss_title(const ComparisonData& d);

// Colour of the i-th session in comparisons (Okabe-Ito, colour-blind safe).
QColor session_colour(int i);

}  // namespace batchscope::ui
