#pragma once
// The inference tab: serve a trained checkpoint under generated load and watch its latency.
// Controls (checkpoint, load mode, rate, concurrency, maximum batch, queue delay, requests) with
// ranges from InferLimits, applied live where the engine allows; the views: percentile lines
// over time with knob-change markers, the latency histogram and the batch-size histogram; and
// the latency-versus-throughput curve of a sweep (sweep_panel.h). Charts are drawn only while
// the tab is visible.
#include <QString>
#include <QTimer>
#include <QWidget>
#include <memory>
#include <vector>

#include "batchscope/engine/infer/infer_config.h"
#include "batchscope/engine/infer/infer_snapshot.h"
#include "infer_owner.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace batchscope::ui {

class InferGpuView;
class InferVerdictView;

class HistogramChart;
class SweepPanel;
class TimeSeriesChart;

// Histogram bars for the charts: the latency bins with counts (leading and trailing empty bins
// dropped; labels are the bins' lower edges in µs), and batch sizes 1..largest seen.
struct Bars {
    std::vector<std::string> labels;
    std::vector<double> counts;
};
Bars latency_bars(const std::vector<engine::infer::HistogramBin>& bins);
Bars batch_bars(const std::vector<int64_t>& batch_sizes);

class InferPane : public QWidget {
    Q_OBJECT
public:
    // `checkpoint`: the model served by default (the dashboard's last trained model).
    explicit InferPane(const QString& checkpoint, QWidget* parent = nullptr);
    ~InferPane() override;

    engine::infer::InferConfig config() const;
    // Shows the load settings of `c` in the controls (not the checkpoint) without sending them.
    void setConfig(const engine::infer::InferConfig& c);
    // Where runs are saved as sessions (empty: not saved).
    void setSessionDb(const QString& path);
    void setDefaultCheckpoint(const QString& path);

    engine::infer::InferenceRun* run() const { return owner_.run(); }
    bool preparing() const { return owner_.preparing(); }
    std::shared_ptr<const engine::infer::InferSnapshot> shownSnapshot() const { return shown_; }

    QLineEdit* checkpointEdit() const { return checkpoint_; }
    QComboBox* modeCombo() const { return mode_; }
    QComboBox* backendCombo() const { return backend_; }
    // What the GPU probe found (the GPU entry of the backend list follows it).
    void setGpuAvailability(bool usable, const QString& why);
    QDoubleSpinBox* rateSpin() const { return rate_; }
    QSpinBox* concurrencySpin() const { return concurrency_; }
    QSpinBox* maxBatchSpin() const { return max_batch_; }
    QSpinBox* queueDelaySpin() const { return delay_; }
    QSpinBox* requestsSpin() const { return requests_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* stopButton() const { return stop_; }
    QLabel* messageLabel() const { return message_; }
    QLabel* statusLabel() const { return status_; }
    TimeSeriesChart* percentileChart() const { return percentiles_; }
    HistogramChart* latencyHistogram() const { return latency_hist_; }
    HistogramChart* batchHistogram() const { return batch_hist_; }
    SweepPanel* sweepPanel() const { return sweep_; }
    QTabWidget* viewTabs() const { return view_tabs_; }
    InferGpuView* gpuView() const { return gpu_view_; }
    InferVerdictView* verdictView() const { return verdict_; }

public slots:
    void startRun();
    void restartRun();  // stops what is serving and starts again with the controls' settings
    void stopRun();
    // Runs a latency-versus-throughput sweep of the checkpoint with the sweep panel's plan.
    void startSweep();
    void refresh();

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* makeControls();
    void sendKnob(knobs::Knob knob, double value);
    void updateEnabled();
    void showMessage(const QString& text, bool error);
    // Why `c`'s checkpoint cannot be served (empty: it can).
    QString checkpointProblem(const engine::infer::InferConfig& c) const;

    InferOwner owner_;
    QString db_;
    QLineEdit* checkpoint_;
    QComboBox* mode_;
    QComboBox* backend_ = nullptr;  // cpu / cuda (backend_combo.h)
    QDoubleSpinBox* rate_;
    QSpinBox* concurrency_;
    QSpinBox* max_batch_;
    QSpinBox* delay_;
    QSpinBox* requests_;
    QPushButton* start_;
    QPushButton* stop_;
    QLabel* message_;
    QLabel* status_;
    TimeSeriesChart* percentiles_;
    HistogramChart* latency_hist_;
    HistogramChart* batch_hist_;
    SweepPanel* sweep_;
    InferGpuView* gpu_view_;
    InferVerdictView* verdict_;
    QTabWidget* view_tabs_;
    int p50_ = -1, p90_ = -1, p99_ = -1;
    QTimer timer_;
    std::shared_ptr<const engine::infer::InferSnapshot> shown_;
    std::shared_ptr<const engine::infer::InferSnapshot> drawn_;  // last drawn (the tab was visible)
    std::vector<double> marker_t_;  // when each knob change was first seen (s since start)
};

}  // namespace batchscope::ui
