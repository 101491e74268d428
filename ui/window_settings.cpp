#include "window_settings.h"

#include <QMainWindow>
#include <QSettings>

#include <algorithm>

namespace batchscope::ui {

using engine::KnobLimits;

namespace {
QSettings settings() { return QSettings(QStringLiteral("Batchscope"), QStringLiteral("batchscope")); }

int read_int(const QSettings& s, const char* key, int fallback, int lo, int hi) {
    bool ok = false;
    const int v = s.value(QLatin1String(key)).toInt(&ok);
    return ok ? std::clamp(v, lo, hi) : fallback;
}
}  // namespace

engine::TrainConfig load_knob_settings(engine::TrainConfig c) {
    const QSettings s = settings();
    c.batch_size = read_int(s, "knobs/batch_size", c.batch_size, KnobLimits::kMinBatch, KnobLimits::kMaxBatch);
    c.prefetch_depth = read_int(s, "knobs/prefetch_depth", c.prefetch_depth, KnobLimits::kMinPrefetch,
                                KnobLimits::kMaxPrefetch);
    c.workers = read_int(s, "knobs/workers", c.workers, KnobLimits::kMinWorkers, KnobLimits::kMaxWorkers);
    c.epochs = read_int(s, "knobs/epochs", c.epochs, KnobLimits::kMinEpochs, KnobLimits::kMaxEpochs);
    c.storage = static_cast<engine::data::StorageKind>(
        read_int(s, "knobs/storage", static_cast<int>(c.storage), 0, engine::data::kStorageKindCount - 1));
    // Model, optimizer, rate and backend are kept only when the run would accept them.
    engine::TrainConfig t = c;
    t.model = s.value(QStringLiteral("knobs/model"), QString::fromStdString(c.model)).toString().toStdString();
    t.optimizer = s.value(QStringLiteral("knobs/optimizer"), QString::fromStdString(c.optimizer)).toString().toStdString();
    t.learning_rate = s.value(QStringLiteral("knobs/learning_rate"), c.learning_rate).toFloat();
    t.backend = s.value(QStringLiteral("knobs/backend"), QString::fromStdString(c.backend)).toString().toStdString();
    if (t.backend != "cpu" && t.backend != "cuda") t.backend = c.backend;
    if (engine::validate(t).empty()) c = t;
    return c;
}

void save_knob_settings(const engine::TrainConfig& c) {
    QSettings s = settings();
    s.setValue(QStringLiteral("knobs/batch_size"), c.batch_size);
    s.setValue(QStringLiteral("knobs/prefetch_depth"), c.prefetch_depth);
    s.setValue(QStringLiteral("knobs/workers"), c.workers);
    s.setValue(QStringLiteral("knobs/epochs"), c.epochs);
    s.setValue(QStringLiteral("knobs/storage"), static_cast<int>(c.storage));
    s.setValue(QStringLiteral("knobs/model"), QString::fromStdString(c.model));
    s.setValue(QStringLiteral("knobs/optimizer"), QString::fromStdString(c.optimizer));
    s.setValue(QStringLiteral("knobs/learning_rate"), c.learning_rate);
    s.setValue(QStringLiteral("knobs/backend"), QString::fromStdString(c.backend));
}

bool restore_window_geometry(QMainWindow* window) {
    const QSettings s = settings();
    const QByteArray geometry = s.value(QStringLiteral("window/geometry")).toByteArray();
    if (geometry.isEmpty()) return false;
    window->restoreGeometry(geometry);
    window->restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    return true;
}

void save_window_geometry(const QMainWindow* window) {
    QSettings s = settings();
    s.setValue(QStringLiteral("window/geometry"), window->saveGeometry());
    s.setValue(QStringLiteral("window/state"), window->saveState());
}

}  // namespace batchscope::ui
