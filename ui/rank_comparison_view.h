#pragma once
// The ranks of one imported PyTorch job side by side (store::compare_ranks, what
// `sessions compare --tag` prints): per rank the mean step and its parts, per step the slowest
// rank and the spread between ranks (the straggler view), and the ranks more than 20% off the
// median for data wait or compute. Hidden when the comparison is not of imported ranks.
#include <QWidget>

#include "batchscope/store/compare.h"

class QLabel;
class QTableWidget;

namespace batchscope::ui {

class RankComparisonView : public QWidget {
    Q_OBJECT
public:
    explicit RankComparisonView(QWidget* parent = nullptr);

    // Shows `r` (and itself) when it has ranks; hides otherwise.
    void showRanks(const store::RankComparison& r);

    QTableWidget* rankTable() const { return ranks_; }
    QTableWidget* stepTable() const { return steps_; }
    QLabel* outlierLabel() const { return outliers_; }

private:
    QTableWidget* ranks_;
    QTableWidget* steps_;
    QLabel* outliers_;
};

}  // namespace batchscope::ui
