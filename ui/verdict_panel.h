#pragma once
// The bottleneck verdict of the run's current window with its advice, a button that applies
// the first advised knob to the live run, and afterwards what that change did.
#include <QString>
#include <QWidget>
#include <optional>

#include "batchscope/engine/run_snapshot.h"
#include "batchscope/profiler/verdict.h"

class QLabel;
class QPushButton;

namespace batchscope::ui {

class VerdictPanel : public QWidget {
    Q_OBJECT
public:
    explicit VerdictPanel(QWidget* parent = nullptr);

    void showSnapshot(const engine::RunSnapshot& s);
    void clear();
    // The knob change the window sent to the run; its effect is shown once measured.
    void noteApplied(const QString& knob, int from, int to);

    QLabel* headlineLabel() const { return headline_; }
    QLabel* adviceLabel() const { return advice_; }
    QLabel* effectLabel() const { return effect_; }
    QPushButton* applyButton() const { return apply_; }

protected:
    void changeEvent(QEvent* event) override;

signals:
    // The user asked to set `knob` to `value` (the first advice of the verdict shown).
    void applyRequested(const QString& knob, int value);

private:
    void fixHeight();
    struct Pending {
        QString knob;
        int from = 0, to = 0;
        profiler::Prediction expected;  // what the advice predicted (invalid: applied by hand)
    };

    QLabel* headline_;
    QLabel* window_;
    QLabel* advice_;
    QPushButton* apply_;
    QLabel* effect_;
    QString advised_knob_;
    int advised_value_ = 0;
    profiler::Prediction advised_expected_;
    std::optional<Pending> pending_;
};

}  // namespace batchscope::ui
