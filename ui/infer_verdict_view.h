#pragma once
// The Inference tab's serving verdict (engine/infer/serving_verdict.h): about once a second the
// last ~2 s of answered requests (since the last knob change) are judged; the view shows what
// dominates the latency, the first advice with its expectation and reason, and an Apply button.
// After an applied advice, once a window of the new setting is judged, it shows the prediction
// against what was measured; so too after any other single change of a serving knob (by hand, or
// a preset step), predicted from the last window judged before it (predict_serving_change).
#include <QGroupBox>
#include <optional>
#include <span>
#include <vector>

#include "batchscope/engine/infer/infer_snapshot.h"
#include "batchscope/engine/infer/request_window_sink.h"
#include "batchscope/engine/infer/serving_verdict.h"

class QLabel;
class QPushButton;

namespace batchscope::ui {

class InferVerdictView : public QGroupBox {
    Q_OBJECT
public:
    explicit InferVerdictView(QWidget* parent = nullptr);

    // From the pane's timer: judges again when a second has passed since the last verdict.
    // `profile`: the service timed at each batch size before the run (may be empty).
    void update(const engine::infer::InferSnapshot& s, const engine::infer::RequestWindowSink* window,
                std::span<const engine::infer::BatchPoint> profile = {});
    void clear();  // a new run

    // For tests: what is shown.
    QString text() const;
    QPushButton* applyButton() const { return apply_; }
    const std::optional<engine::infer::ServingVerdict>& verdict() const { return verdict_; }

signals:
    void applyRequested(knobs::Knob knob, double value);

private:
    // The knob changes made since the last update (`seen` before them): the one an Apply sent
    // keeps its advice; any other is predicted from the last window, when it was judged at the
    // setting just before the change.
    void noteChanges(const engine::infer::InferSnapshot& s, size_t seen, std::span<const engine::infer::BatchPoint> profile);

    QLabel* text_;
    QPushButton* apply_;
    std::optional<engine::infer::ServingVerdict> verdict_;
    std::optional<engine::infer::ServingAdvice> applied_;  // waiting for a window of its setting
    size_t applied_changes_ = 0;                            // knob changes once its change is made
    QString applied_other_;  // empty: applied_ is an advice; else a change predicted here ("the last advice was ...")
    // The last window judged with enough requests to predict from (kMinAdviceRequests), its setting
    // and its advice.
    std::vector<engine::infer::RequestRecord> last_recs_;
    engine::infer::ServingSetting last_setting_;
    std::vector<engine::infer::ServingAdvice> last_advice_;
    size_t changes_seen_ = 0;
    QString check_;                                         // its prediction against the measurement
    int64_t last_judged_ns_ = 0;
};

}  // namespace batchscope::ui
