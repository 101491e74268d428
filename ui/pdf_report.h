#pragma once
// One-page PDF reports (QPdfWriter, A4): a session (facts, verdict and advice, knob changes,
// throughput / loss / breakdown charts) or a comparison (sessions, metric deltas, configuration
// diff, the overlaid charts). Drawn on the GUI thread from data loaded by SessionJobs.
#include <QString>
#include <QStringList>

#include "session_data.h"

namespace batchscope::ui {

// Empty when written; otherwise what went wrong.
QString write_session_report(const QString& file, const SessionReport& report);
QString write_comparison_report(const QString& file, const ComparisonData& data);
// The titles of the charts write_session_report draws for `report`: throughput in samples/s and
// the loss, or for a session without a batch size or loss (an imported trace) steps per second
// and the mean step's breakdown.
QStringList session_report_charts(const SessionReport& report);

}  // namespace batchscope::ui
