#pragma once
// A one-line stacked bar of where the time of the recent iterations went, in the parts'
// colours, with the percentage written inside each segment that is wide enough.
#include <QWidget>

#include "breakdown_stats.h"

namespace batchscope::ui {

class ShareBar : public QWidget {
    Q_OBJECT
public:
    explicit ShareBar(QWidget* parent = nullptr);
    void setShares(const PartShares& shares);
    const PartShares& shares() const { return shares_; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    PartShares shares_{};
};

}  // namespace batchscope::ui
