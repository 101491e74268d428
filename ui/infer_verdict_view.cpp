#include "infer_verdict_view.h"

#include <cmath>

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "batchscope/profiler/clock.h"

namespace batchscope::ui {

using namespace engine::infer;

namespace {
constexpr int64_t kWindowNs = 2'000'000'000, kEveryNs = 1'000'000'000;
constexpr size_t kMaxRequests = 20'000;
}

InferVerdictView::InferVerdictView(QWidget* parent)
    : QGroupBox(tr("Serving verdict"), parent), text_(new QLabel), apply_(new QPushButton(tr("Apply advice"))) {
    text_->setWordWrap(true);
    text_->setTextFormat(Qt::RichText);
    text_->setText(tr("Judged once requests are being answered."));
    apply_->setEnabled(false);
    apply_->setToolTip(tr("Send the advised knob value to the running stream; the verdict after it shows the "
                          "prediction against what was measured."));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text_);
    layout->addWidget(apply_);
    setToolTip(tr("What dominates the latency of the last 2 s of requests, and which knob to turn (docs/ADVICE.md, "
                  "\"Inference streams\")"));
    connect(apply_, &QPushButton::clicked, this, [this] {
        if (!verdict_ || verdict_->advice.empty()) return;
        applied_ = verdict_->advice.front();
        applied_changes_ = changes_seen_ + 1;  // its change is the next one
        applied_other_.clear();
        check_.clear();
        apply_->setEnabled(false);
        emit applyRequested(applied_->knob, applied_->to);
    });
}

void InferVerdictView::clear() {
    verdict_.reset();
    applied_.reset();
    check_.clear();
    last_recs_.clear();
    last_advice_.clear();
    last_judged_ns_ = 0;
    apply_->setEnabled(false);
    text_->setText(tr("Judged once requests are being answered."));
}

QString InferVerdictView::text() const { return text_->text(); }

void InferVerdictView::noteChanges(const InferSnapshot& s, size_t seen, std::span<const BatchPoint> profile) {
    const engine::KnobChange& k = s.knob_changes.back();
    const auto knob = knobs::from_name(k.knob);
    const double value = static_cast<double>(k.new_value);
    if (applied_ && applied_other_.isEmpty() && s.knob_changes.size() == applied_changes_ && seen + 1 == applied_changes_ && knob &&
        *knob == applied_->knob && std::llround(applied_->to) == k.new_value)
        return;  // the change an Apply sent: checked against its advice
    applied_.reset();
    check_.clear();
    // One change since the last window, which was judged at the setting just before it: predicted.
    const ServingSetting now{s.mode, s.rate, s.concurrency, s.max_batch, s.queue_delay_us};
    ServingSetting before = last_setting_;
    if (knob) before.apply(*knob, value);
    if (!knob || seen + 1 != s.knob_changes.size() || last_recs_.empty() || !(before == now)) return;
    // An advice set by hand is checked as one; another change is predicted from the last window.
    ServingJudgeOptions o;
    o.profile = profile;
    auto e = expect_change(last_recs_, last_setting_, last_advice_, *knob, value, o);
    if (!e) return;
    applied_ = std::move(e->change);
    applied_other_ = QString::fromStdString(e->other);  // empty for an advice
    applied_changes_ = s.knob_changes.size();
}

void InferVerdictView::update(const InferSnapshot& s, const RequestWindowSink* window, std::span<const BatchPoint> profile) {
    const size_t seen = changes_seen_;
    changes_seen_ = s.knob_changes.size();
    if (changes_seen_ > seen) noteChanges(s, seen, profile);
    const int64_t now = profiler::now_ns();
    if (!window || now - last_judged_ns_ < kEveryNs) return;
    last_judged_ns_ = now;
    // The window: the last 2 s, from the last knob change on.
    int64_t first = 0;
    if (!s.knob_changes.empty()) first = s.knob_changes.back().iteration;
    ServingSetting setting{s.mode, s.rate, s.concurrency, s.max_batch, s.queue_delay_us};
    std::vector<RequestRecord> recs = window->answered_since(now - kWindowNs, first);
    // On the GUI thread: at most the last 20,000 requests (a few ms to judge).
    if (recs.size() > kMaxRequests) recs.erase(recs.begin(), recs.end() - static_cast<std::ptrdiff_t>(kMaxRequests));
    ServingJudgeOptions o;
    o.profile = profile;
    ServingVerdict v = judge_serving(recs, setting, o);
    if (v.bottleneck == ServingBottleneck::Unknown) return;  // too few requests: keep what is shown
    // An applied advice (or a change predicted here) is checked on the first window wholly after its change.
    if (applied_ && s.knob_changes.size() >= applied_changes_ && !s.knob_changes.empty() &&
        s.knob_changes.back().knob == knobs::info(applied_->knob).name && v.window.first_id >= first &&
        now - s.knob_changes.back().time_ns >= kWindowNs) {
        const QString change = QString::fromStdString(applied_->change()),
                      text = QString::fromStdString(check_serving_prediction(applied_->expected, v.window).text);
        check_ = applied_other_.isEmpty() ? tr("Advice %1: %2").arg(change, text) : tr("Change %1 (%2): %3").arg(change, applied_other_, text);
        applied_.reset();
    }
    if (v.window.requests >= kMinAdviceRequests) {  // what the next change is predicted from
        last_recs_ = recs;
        last_setting_ = setting;
        last_advice_ = v.advice;
    }
    QString html = QStringLiteral("<b>%1</b>").arg(QString::fromStdString(v.headline).toHtmlEscaped());
    if (!v.advice.empty())
        html += tr("<br>Try %1").arg(QString::fromStdString(v.advice.front().text()).toHtmlEscaped());
    else if (!v.note.empty())
        html += QStringLiteral("<br>%1").arg(QString::fromStdString(v.note).toHtmlEscaped());
    if (!check_.isEmpty()) html += QStringLiteral("<br><i>%1</i>").arg(check_.toHtmlEscaped());
    text_->setText(html);
    apply_->setEnabled(!v.advice.empty() && !applied_);
    if (!v.advice.empty()) apply_->setText(tr("Apply: %1").arg(QString::fromStdString(v.advice.front().change())));
    verdict_ = std::move(v);
}

}  // namespace batchscope::ui
