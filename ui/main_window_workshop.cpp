// MainWindow's workshop side: presenter mode and the lesson presets (kept apart from the run
// and view plumbing in main_window.cpp).
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QSpinBox>

#include "batchscope/engine/preset.h"
#include "batchscope/engine/preset_player.h"
#include "batchscope/profiler/window_summary.h"
#include "charts/presenter_style.h"
#include "control_panel.h"
#include "data_panel.h"
#include "infer_pane.h"
#include "main_window.h"
#include "phase_style.h"
#include "preset_panel.h"
#include "verdict_logic.h"

namespace batchscope::ui {

void MainWindow::setPresenterMode(bool on) {
    if (on == presenter_) return;
    presenter_ = on;
    if (on) {
        normal_font_ = font();
        normal_palette_ = palette();
        QFont big = normal_font_;
        big.setPointSizeF(normal_font_.pointSizeF() * kPresenterScale);
        setFont(big);
        QPalette p = normal_palette_;  // high contrast: black on white, strong selection
        for (auto role : {QPalette::Window, QPalette::Base, QPalette::AlternateBase, QPalette::Button})
            p.setColor(role, Qt::white);
        for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
            p.setColor(role, Qt::black);
        p.setColor(QPalette::Highlight, QColor(palette::kBlue));
        p.setColor(QPalette::HighlightedText, Qt::white);
        setPalette(p);
        showFullScreen();
    } else {
        setFont(normal_font_);
        setPalette(normal_palette_);
        showNormal();
    }
    side_->setFixedWidth(on ? static_cast<int>(kMainSideWidth * kPresenterScale) : kMainSideWidth);
    // Widgets with a style sheet (coloured labels) do not follow the window's font: scale them.
    for (QWidget* w : findChildren<QWidget*>()) {
        if (w->styleSheet().isEmpty()) continue;
        QFont f = w->font();
        f.setPointSizeF(f.pointSizeF() * (on ? kPresenterScale : 1.0 / kPresenterScale));
        w->setFont(f);
    }
    set_charts_presenter(this, on);
}

bool MainWindow::loadPreset(const engine::Preset* p) {
    if (!p) return false;
    workshop_->show();
    try {
        if (p->mode == engine::PresetMode::Infer) {
            engine::infer::InferConfig c = infer_->config();
            engine::apply_settings(p->config, c, p->id);
            infer_->setConfig(c);
            showView(QStringLiteral("inference"));
            presets_->markLoaded(p);
            infer_->restartRun();
            return true;
        }
        engine::TrainConfig c = data_->config(controls_->config(base_));
        engine::apply_settings(p->config, c, p->id);
        base_ = c;
    } catch (const std::exception& e) {
        controls_->showRefusal(tr("Preset not loaded: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    controls_->setConfig(base_);
    data_->showStorage(static_cast<int>(base_.storage));
    showView(QStringLiteral("live"));
    presets_->markLoaded(p);
    owner_.retire();
    startRun();
    return true;
}

bool MainWindow::nextPresetStep() {
    const engine::Preset* p = presets_->loaded();
    if (!p || presets_->nextStep() >= static_cast<int>(p->steps.size())) return false;
    const engine::PresetStep& step = p->steps[static_cast<size_t>(presets_->nextStep())];
    const bool infer = p->mode == engine::PresetMode::Infer;
    try {
        if (!step.is_restart()) {
            const double v = engine::live_knob_value(step, p->mode);
            const knobs::Knob knob = *step.knob;
            if (infer) {
                if (knob == knobs::Knob::Rate) infer_->rateSpin()->setValue(v);
                else if (knob == knobs::Knob::Concurrency) infer_->concurrencySpin()->setValue(static_cast<int>(v));
                else if (knob == knobs::Knob::MaxBatch) infer_->maxBatchSpin()->setValue(static_cast<int>(v));
                else infer_->queueDelaySpin()->setValue(static_cast<int>(v));
            } else {
                if (knob == knobs::Knob::StorageProfile) {
                    data_->showStorage(static_cast<int>(v));
                    if (!sendKnob(knob, static_cast<int>(v)).isEmpty()) return false;
                } else if (!applyKnob(knob, static_cast<int>(v))) {
                    return false;
                }
            }
        } else if (infer) {
            engine::infer::InferConfig c = infer_->config();
            engine::apply_settings(step.restart, c, p->id);
            infer_->setConfig(c);
            infer_->restartRun();
        } else {
            engine::TrainConfig c = data_->config(controls_->config(base_));
            engine::apply_settings(step.restart, c, p->id);
            base_ = c;
            controls_->setConfig(base_);
            data_->showStorage(static_cast<int>(base_.storage));
            owner_.retire();
            startRun();
        }
    } catch (const std::exception& e) {
        controls_->showRefusal(tr("Step not made: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    presets_->markStepDone(shown_ && !infer && !step.is_restart() ? shown_->knob_changes.size() : 0);
    return true;
}

void MainWindow::measureWorkshop(const engine::RunSnapshot& s) {
    const engine::Preset* p = presets_->loaded();
    if (!p || p->mode != engine::PresetMode::Train) return;
    const VerdictWindow w = verdict_window(s);
    if (w.count < static_cast<size_t>(kVerdictMinWindow)) return;
    // Not yet a window of the newest setting alone.
    if (!s.knob_changes.empty() && s.recent[w.first].iteration < s.knob_changes.back().iteration) return;
    std::vector<profiler::IterationSample> samples =
        iteration_samples(std::vector<engine::IterationRecord>(s.recent.begin() + static_cast<std::ptrdiff_t>(w.first),
                                                               s.recent.begin() + static_cast<std::ptrdiff_t>(w.first + w.count)));
    presets_->showMeasured(engine::train_figures(profiler::summarize(samples)), s.knob_changes.size());
}

}  // namespace batchscope::ui
