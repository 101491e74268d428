#include "app_options.h"

#include <QCommandLineParser>
#include <optional>

#include "batchscope/engine/data/storage_profile.h"
#include "batchscope/engine/preset.h"
#include "batchscope/engine/train_config.h"
#include "batchscope/knobs/knob.h"

namespace batchscope::ui {

namespace {

// Reads an integer option into `out` if given; false (with `error` set) when it is not valid.
bool read_int(const QCommandLineParser& p, const QCommandLineOption& o, std::optional<knobs::Knob> knob, int64_t lo,
              int64_t hi, int64_t& out, QString& error) {
    if (!p.isSet(o)) return true;
    bool ok = false;
    const qlonglong v = p.value(o).toLongLong(&ok);
    if (!ok || v < lo || v > hi) {
        error = QStringLiteral("--%1 %2: expected an integer in [%3, %4]")
                    .arg(o.names().constFirst(), p.value(o))
                    .arg(lo)
                    .arg(hi);
        return false;
    }
    if (knob) {
        const std::string why = engine::validate_knob(*knob, v);
        if (!why.empty()) {
            error = QString::fromStdString(why);
            return false;
        }
    }
    out = v;
    return true;
}

// A knob's option, in the registry's range (knobs/knob.h).
bool read_knob(const QCommandLineParser& p, const QCommandLineOption& o, knobs::Knob k, int64_t& out, QString& error) {
    return read_int(p, o, k, knobs::min_int(k), knobs::max_int(k), out, error);
}

// A knob's option as batchscope-cli names it (its long flag) with the registry's help text.
QCommandLineOption knob_option(knobs::Knob k) {
    const std::string_view flags = knobs::info(k).cli_flag;
    const std::string_view name = flags.substr(flags.rfind("--") + 2);
    return QCommandLineOption({QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()))},
                              QString::fromUtf8(knobs::info(k).help.data(), static_cast<qsizetype>(knobs::info(k).help.size())) +
                                  QStringLiteral("."),
                              QStringLiteral("N"));
}

}  // namespace

AppOptions parse_app_options(const QStringList& arguments, engine::TrainConfig defaults) {
    using engine::KnobLimits;
    AppOptions o;
    o.config = std::move(defaults);

    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Batchscope: where the time of ML training goes, live."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption data({QStringLiteral("data")},
                                  QStringLiteral("Fashion-MNIST folder (default: the Debian package's)."),
                                  QStringLiteral("DIR"));
    const QCommandLineOption batch = knob_option(knobs::Knob::BatchSize);
    const QCommandLineOption prefetch = knob_option(knobs::Knob::PrefetchDepth);
    const QCommandLineOption workers = knob_option(knobs::Knob::Workers);
    const QCommandLineOption epochs({QStringLiteral("epochs")}, QStringLiteral("Epochs to train."),
                                    QStringLiteral("N"));
    const QCommandLineOption limit({QStringLiteral("train-limit")},
                                   QStringLiteral("Use only the first N training samples (0 = all)."),
                                   QStringLiteral("N"));
    const QCommandLineOption start({QStringLiteral("start")}, QStringLiteral("Start training right away."));
    const QCommandLineOption shot({QStringLiteral("screenshot")},
                                  QStringLiteral("Save the window as a PNG, then quit."), QStringLiteral("FILE"));
    const QCommandLineOption after({QStringLiteral("screenshot-after")},
                                   QStringLiteral("Seconds to wait before the screenshot (default 5)."),
                                   QStringLiteral("SECONDS"));
    const QCommandLineOption view({QStringLiteral("view")}, QStringLiteral("Tab to show: live, pipeline, gpu (Live sub-tabs), inference or sessions."),
                                  QStringLiteral("TAB"));
    const QCommandLineOption serve({QStringLiteral("serve")},
                                   QStringLiteral("Start serving the checkpoint on the inference tab."));
    const QCommandLineOption sweep({QStringLiteral("sweep")},
                                   QStringLiteral("Run a latency-versus-throughput sweep of the checkpoint on the inference tab."));
    const QCommandLineOption ckpt({QStringLiteral("checkpoint")},
                                  QStringLiteral("Checkpoint the inference tab serves (default: the last trained model)."),
                                  QStringLiteral("FILE"));
    const QCommandLineOption compare({QStringLiteral("compare")},
                                     QStringLiteral("Compare these saved sessions on the sessions tab (ids, comma-separated)."),
                                     QStringLiteral("IDS"));
    const QCommandLineOption presenter({QStringLiteral("presenter")},
                                       QStringLiteral("Presenter mode: full screen, large fonts, high contrast (F11)."));
    const QCommandLineOption preset({QStringLiteral("preset")},
                                    QStringLiteral("Load a workshop preset (id or lesson number) and start it."),
                                    QStringLiteral("ID"));
    const QCommandLineOption model({QStringLiteral("model")},
                                   QStringLiteral("Model: logreg, svm, mlp:256,128, cnn:32,64:fc=128, ... (as batchscope-cli train)."),
                                   QStringLiteral("SPEC"));
    const QCommandLineOption optimizer({QStringLiteral("optimizer")}, QStringLiteral("Optimizer: sgd or adam."),
                                       QStringLiteral("NAME"));
    const QCommandLineOption lr({QStringLiteral("lr")}, QStringLiteral("Learning rate."), QStringLiteral("RATE"));
    const QCommandLineOption backend({QStringLiteral("backend")}, QStringLiteral("Where to compute: cpu or cuda."),
                                     QStringLiteral("NAME"));
    const QCommandLineOption no_trace({QStringLiteral("no-trace")},
                                      QStringLiteral("Record no trace events (the Pipeline lanes stay empty)."));
    const QCommandLineOption storage({QStringLiteral("storage")},
                                     QStringLiteral("Storage profile: %1.").arg(QString::fromStdString(engine::data::storage_ids())),
                                     QStringLiteral("ID"));
    p.addOptions({no_trace, storage});
    p.addOptions({data, batch, prefetch, workers, epochs, limit, start, shot, after, view, serve, sweep, ckpt, compare,
                  presenter, preset, model, optimizer, lr, backend});
    p.process(arguments);  // --help, --version, unknown options: print and exit

    int64_t b = o.config.batch_size, pf = o.config.prefetch_depth, w = o.config.workers,
            e = o.config.epochs, l = o.config.train_limit;
    if (!read_knob(p, batch, knobs::Knob::BatchSize, b, o.error) ||
        !read_knob(p, prefetch, knobs::Knob::PrefetchDepth, pf, o.error) ||
        !read_knob(p, workers, knobs::Knob::Workers, w, o.error) ||
        !read_int(p, epochs, std::nullopt, KnobLimits::kMinEpochs, KnobLimits::kMaxEpochs, e, o.error) ||
        !read_int(p, limit, std::nullopt, 0, INT64_MAX, l, o.error))
        return o;
    o.config.batch_size = static_cast<int>(b);
    o.config.prefetch_depth = static_cast<int>(pf);
    o.config.workers = static_cast<int>(w);
    o.config.epochs = static_cast<int>(e);
    o.config.train_limit = l;
    if (p.isSet(data)) o.config.data_dir = p.value(data).toStdString();
    if (p.isSet(model)) o.config.model = p.value(model).toStdString();
    if (p.isSet(optimizer)) o.config.optimizer = p.value(optimizer).toStdString();
    if (p.isSet(lr)) {
        bool ok = false;
        o.config.learning_rate = p.value(lr).toFloat(&ok);
        if (!ok) {
            o.error = QStringLiteral("--lr %1: expected a number like 0.05").arg(p.value(lr));
            return o;
        }
    }
    if (p.isSet(backend)) {
        o.config.backend = p.value(backend).toStdString();
        if (o.config.backend != "cpu" && o.config.backend != "cuda") {
            o.error = QStringLiteral("--backend %1: expected cpu or cuda").arg(p.value(backend));
            return o;
        }
    }
    if (p.isSet(model) || p.isSet(optimizer) || p.isSet(lr)) {
        if (const std::string why = engine::validate(o.config); !why.empty()) {
            o.error = QString::fromStdString(why);
            return o;
        }
    }
    o.start = p.isSet(start);
    if (p.isSet(no_trace)) o.config.trace = false;
    if (p.isSet(storage)) {
        const auto kind = engine::data::parse_storage_kind(p.value(storage).toStdString());
        if (!kind) {
            o.error = QStringLiteral("--storage %1: expected one of %2")
                          .arg(p.value(storage), QString::fromStdString(engine::data::storage_ids()));
            return o;
        }
        o.config.storage = *kind;
    }
    o.serve = p.isSet(serve);
    o.sweep = p.isSet(sweep);
    if (o.serve && o.sweep) {
        o.error = QStringLiteral("--serve and --sweep: choose one (a stream and a sweep would share the cores)");
        return o;
    }
    o.presenter = p.isSet(presenter);
    o.checkpoint = p.value(ckpt);
    if (p.isSet(preset)) {
        o.preset = p.value(preset);
        if (!engine::find_preset(o.preset.toStdString())) {
            QStringList ids;
            for (const auto& pr : engine::builtin_presets()) ids << QString::fromStdString(pr.id);
            o.error = QStringLiteral("--preset %1: no such preset (one of: %2)").arg(o.preset, ids.join(QStringLiteral(", ")));
            return o;
        }
    }
    if (p.isSet(view)) {
        o.view = p.value(view);
        if (o.view != QLatin1String("live") && o.view != QLatin1String("inference") && o.view != QLatin1String("sessions") &&
            o.view != QLatin1String("pipeline") && o.view != QLatin1String("gpu")) {
            o.error = QStringLiteral("--view %1: expected live, inference or sessions (or pipeline, gpu: sub-tabs of Live)").arg(o.view);
            return o;
        }
    }
    if (p.isSet(compare)) {
        for (const QString& part : p.value(compare).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            const qlonglong id = part.trimmed().toLongLong(&ok);
            if (!ok || id <= 0) {
                o.error = QStringLiteral("--compare %1: expected session ids like 3,4").arg(p.value(compare));
                return o;
            }
            o.compare.push_back(id);
        }
        if (o.compare.size() < 2) {
            o.error = QStringLiteral("--compare %1: give two or more session ids").arg(p.value(compare));
            return o;
        }
        if (!p.isSet(view)) o.view = QStringLiteral("sessions");
    }
    if (o.sweep && !p.isSet(view)) o.view = QStringLiteral("inference");
    o.screenshot = p.value(shot);
    if (p.isSet(after)) {
        bool ok = false;
        o.screenshot_after_s = p.value(after).toDouble(&ok);
        if (!ok || o.screenshot_after_s < 0) o.error = QStringLiteral("--screenshot-after: expected seconds >= 0");
    }
    return o;
}

}  // namespace batchscope::ui
