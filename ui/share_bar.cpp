#include "share_bar.h"

#include <QPainter>
#include <QPainterPath>

#include <cmath>

#include "phase_style.h"

namespace batchscope::ui {

ShareBar::ShareBar(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize ShareBar::sizeHint() const { return {200, fontMetrics().height() + 8}; }

void ShareBar::setShares(const PartShares& shares) {
    if (shares == shares_) return;
    shares_ = shares;
    QStringList tip;
    for (Part p : kParts)
        if (part_shown_when_zero(p) || shares_[static_cast<size_t>(p)] > 0)
            tip << QStringLiteral("%1: %2%").arg(part_label(p)).arg(shares_[static_cast<size_t>(p)] * 100, 0, 'f', 1);
    setToolTip(tip.join(QLatin1Char('\n')));
    update();
}

void ShareBar::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing, true);
    const QRectF area = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    QPainterPath clip;
    clip.addRoundedRect(area, 3, 3);
    painter.setClipPath(clip);
    painter.fillRect(area, QColor(0xEE, 0xEE, 0xEE));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    f.setBold(true);
    painter.setFont(f);
    double x = area.left();
    for (Part p : kParts) {
        const double share = shares_[static_cast<size_t>(p)];
        if (share <= 0) continue;
        const QRectF seg(x, area.top(), share * area.width(), area.height());
        const QColor colour = part_colour(p);
        painter.fillRect(seg, colour);
        const QString text = QStringLiteral("%1%").arg(std::lround(share * 100));
        if (painter.fontMetrics().horizontalAdvance(text) + 6 < seg.width()) {
            painter.setPen(colour.lightnessF() > 0.62 ? QColor(0x20, 0x20, 0x20) : Qt::white);
            painter.drawText(seg, Qt::AlignCenter, text);
        }
        x += seg.width();
    }
    painter.setClipping(false);
    painter.setPen(QColor(0xB0, 0xB0, 0xB0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRoundedRect(area, 3, 3);
}

}  // namespace batchscope::ui
