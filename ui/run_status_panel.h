#pragma once
// The summary of the run on screen: state, epoch x/y with progress, iteration, samples/s,
// the mean breakdown of the recent window in %, the knobs in effect, and a failure in red.
#include <QWidget>

#include "batchscope/engine/run_snapshot.h"

class QLabel;
class QProgressBar;

namespace batchscope::ui {

class ShareBar;

class RunStatusPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunStatusPanel(QWidget* parent = nullptr);

    void showSnapshot(const engine::RunSnapshot& s);
    void showNoRun();

    QLabel* stateLabel() const { return state_; }
    QLabel* errorLabel() const { return error_; }
    QLabel* sharesLabel() const { return shares_; }
    ShareBar* shareBar() const { return share_bar_; }
    ShareBar* runShareBar() const { return run_bar_; }  // the whole run so far
    QLabel* runSharesLabel() const { return run_shares_; }
    QLabel* knobsLabel() const { return knobs_; }

private:
    QLabel* state_;
    QLabel* detail_;
    QLabel* epoch_;
    QProgressBar* epoch_bar_;
    QLabel* iteration_;
    QLabel* throughput_;
    QLabel* elapsed_;
    QLabel* samples_;
    QLabel* shares_title_;
    ShareBar* share_bar_;
    QLabel* shares_;
    QLabel* run_title_;
    ShareBar* run_bar_;
    QLabel* run_shares_;
    QLabel* knobs_;
    QLabel* last_epoch_;
    QLabel* data_;
    QLabel* error_;
};

}  // namespace batchscope::ui
