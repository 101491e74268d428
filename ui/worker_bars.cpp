#include "worker_bars.h"

#include <QPainter>

#include <algorithm>

#include "phase_style.h"

namespace batchscope::ui {

namespace {
constexpr int kPad = 6;

bool same(const std::vector<engine::WorkerActivity>& a, const std::vector<engine::WorkerActivity>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].busy_ns != b[i].busy_ns || a[i].idle_ns != b[i].idle_ns || a[i].batches != b[i].batches) return false;
    return true;
}
}  // namespace

WorkerBars::WorkerBars(QWidget* parent) : QWidget(parent) {
    setToolTip(tr("Loader workers this epoch: busy = building batches (orange), idle = waiting because the "
                  "prefetch window was full or there was no work (grey). Workers near 100% busy while the "
                  "training loop waits for data mean loading is the bottleneck: add workers."));
}

void WorkerBars::clear() {
    workers_.clear();
    update();
}

void WorkerBars::setWorkers(const std::vector<engine::WorkerActivity>& workers, int threads) {
    if (same(workers, workers_) && threads == threads_) return;
    workers_ = workers;
    threads_ = threads;
    update();
}

double WorkerBars::busyPercent(int worker) const {
    if (worker < 0 || worker >= barCount()) return 0;
    const auto& w = workers_[static_cast<size_t>(worker)];
    const int64_t all = w.busy_ns + w.idle_ns;
    return all > 0 ? 100.0 * static_cast<double>(w.busy_ns) / static_cast<double>(all) : 0.0;
}

QSize WorkerBars::sizeHint() const {
    return {360, (fontMetrics().height() + 8) * (std::max(2, barCount()) + 1) + 2 * kPad};
}

void WorkerBars::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const QFontMetrics fm = fontMetrics();
    const QColor text = palette().color(QPalette::Text);
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(text);
    p.drawText(QRect(kPad, kPad, width() - 2 * kPad, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
               tr("Loader workers: busy share this epoch"));
    p.setFont(font());
    if (workers_.empty()) {
        p.setPen(QColor(0x70, 0x70, 0x70));
        p.drawText(rect().adjusted(kPad, fm.height() + kPad, -kPad, -kPad), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("No batches built yet this epoch"));
        return;
    }
    const int label_w = fm.horizontalAdvance(QStringLiteral("training loop")) + 2 * kPad;
    const int value_w = fm.horizontalAdvance(QStringLiteral("100% \u00b7 99999 batches")) + 2 * kPad;
    const int top = kPad + fm.height() + kPad;
    const int row_h = std::clamp((height() - top - kPad) / barCount(), 10, fm.height() * 2);
    const int bar_w = std::max(20, width() - label_w - value_w - kPad);
    for (int i = 0; i < barCount(); ++i) {
        const int y = top + i * row_h;
        const QString name = threads_ == 0 ? tr("training loop") : tr("worker %1").arg(i);
        p.setPen(text);
        p.drawText(QRect(kPad, y, label_w - 2 * kPad, row_h), Qt::AlignRight | Qt::AlignVCenter, name);
        const QRectF bar(label_w, y + row_h * 0.15, bar_w, row_h * 0.7);
        p.fillRect(bar, QColor(0xDD, 0xDD, 0xDD));
        const double busy = busyPercent(i);
        p.fillRect(QRectF(bar.left(), bar.top(), bar.width() * busy / 100.0, bar.height()), QColor(palette::kOrange));
        p.setPen(text);
        p.drawText(QRect(label_w + bar_w + kPad, y, value_w, row_h), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("%1% \u00b7 %2 batches").arg(busy, 0, 'f', 0).arg(workers_[static_cast<size_t>(i)].batches));
    }
}

}  // namespace batchscope::ui
