#pragma once
// How each part of an iteration looks everywhere in the dashboard: one colour from the
// Okabe-Ito colour-blind-safe palette, a display name and a one-sentence explanation.
#include <QColor>
#include <QString>

#include "breakdown_stats.h"

namespace batchscope::ui {

QColor part_colour(Part p);
QString part_label(Part p);        // "Data wait", "H2D copy", ...
QString part_explanation(Part p);  // tooltip text

// Okabe-Ito colours used for series that are not breakdown parts.
namespace palette {
inline constexpr QRgb kOrange = 0xE69F00;
inline constexpr QRgb kSkyBlue = 0x56B4E9;
inline constexpr QRgb kBluishGreen = 0x009E73;
inline constexpr QRgb kYellow = 0xF0E442;
inline constexpr QRgb kBlue = 0x0072B2;
inline constexpr QRgb kVermillion = 0xD55E00;
inline constexpr QRgb kReddishPurple = 0xCC79A7;
inline constexpr QRgb kGrey = 0x8C8C8C;
}  // namespace palette

}  // namespace batchscope::ui
