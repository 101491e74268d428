#pragma once
// The sweep controls of the inference tab: offered rates × maximum batch sizes and requests per
// point (validated as typed), Run and Cancel, progress, and the sweeps saved in the session
// file (listed and loaded on a worker thread). The sweep itself runs in a SweepJob; the
// panel polls it at 10 Hz while it runs and draws its points on the SweepChart.
#include <QGroupBox>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <memory>

#include "batchscope/engine/infer/infer_config.h"
#include "sweep_data.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace batchscope::ui {

class SweepChart;
class SweepJob;

class SweepPanel : public QGroupBox {
    Q_OBJECT
public:
    explicit SweepPanel(QWidget* parent = nullptr);
    ~SweepPanel() override;

    SweepChart* chart() const { return chart_; }
    // Where sweeps are saved and loaded from (empty: not saved, nothing to load).
    void setSessionDb(const QString& path);
    // Starts a sweep of the panel's plan with `base`'s model, data, queue delay and threads.
    // False, with the reason shown, when the plan is invalid or a sweep or stream is running.
    bool startSweep(engine::infer::InferConfig base);
    void cancelSweep();
    bool running() const { return job_ != nullptr; }
    // A stream is being served: no sweep may start (they would share the cores).
    void setServing(bool serving);
    // Lists the saved sweeps again (worker thread); loadSelected() draws the chosen one.
    void reloadSaved();
    void loadSelected();

    QLineEdit* ratesEdit() const { return rates_; }
    QLineEdit* batchesEdit() const { return batches_; }
    QSpinBox* requestsSpin() const { return requests_; }
    QPushButton* runButton() const { return run_; }
    QPushButton* cancelButton() const { return cancel_; }
    QProgressBar* progressBar() const { return progress_; }
    QLabel* messageLabel() const { return message_; }
    QComboBox* savedCombo() const { return saved_; }
    QPushButton* loadButton() const { return load_; }

signals:
    void runRequested();            // the Run button; the owner answers with startSweep()
    void runningChanged(bool running);

private:
    void poll();
    void validate();
    void updateEnabled();
    void showMessage(const QString& text, bool error);

    QLineEdit* rates_;
    QLineEdit* batches_;
    QSpinBox* requests_;
    QPushButton* run_;
    QPushButton* cancel_;
    QProgressBar* progress_;
    QLabel* message_;
    QComboBox* saved_;
    QPushButton* load_;
    QPointer<SweepChart> chart_;  // placed by the owner (deleted here if it never was)
    QString db_;
    std::unique_ptr<SweepJob> job_;
    QTimer timer_;
    SweepPlan plan_;
    bool serving_ = false;
    int list_job_ = 0;  // the newest listing or loading asked for; older results are dropped
    int load_job_ = 0;
};

}  // namespace batchscope::ui
