// batchscope: the Qt dashboard. Options: --data, --batch, --prefetch, --workers, --epochs,
// --train-limit, --start, --view live|inference|sessions, --serve, --checkpoint FILE,
// --sweep, --compare IDS, --presenter, --preset ID, --screenshot FILE [--screenshot-after SECONDS].
#include <QApplication>
#include <QPixmap>
#include <QTimer>

#include <cstdio>

#include <QLineEdit>

#include "app_options.h"
#include "infer_pane.h"
#include "main_window.h"
#include "sessions_view.h"
#include "window_settings.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Batchscope"));
    QApplication::setApplicationName(QStringLiteral("batchscope"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    using namespace batchscope;
    engine::TrainConfig defaults;
    defaults.epochs = 5;
    ui::AppOptions options = ui::parse_app_options(QApplication::arguments(), ui::load_knob_settings(defaults));
    const bool screenshot = !options.screenshot.isEmpty();
    // A screenshot shows the defaults plus the command line, never what was remembered.
    if (screenshot) options = ui::parse_app_options(QApplication::arguments(), defaults);
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "batchscope: %s\n", qPrintable(options.error));
        return 2;
    }

    ui::MainWindow window(options.config);
    if (screenshot) {
        window.setRememberSettings(false);
        window.resize(1500, 940);  // the same picture every time
    }
    if (!options.checkpoint.isEmpty()) window.inferPane()->checkpointEdit()->setText(options.checkpoint);
    window.showView(options.view);
    if (options.presenter)
        window.setPresenterMode(true);
    else
        window.show();
    if (options.start) QTimer::singleShot(0, &window, &ui::MainWindow::startRun);
    if (options.serve) QTimer::singleShot(0, window.inferPane(), &ui::InferPane::startRun);
    if (options.sweep) QTimer::singleShot(0, window.inferPane(), &ui::InferPane::startSweep);
    if (!options.preset.isEmpty())
        QTimer::singleShot(0, &window, [&window, id = options.preset.toStdString()] {
            window.loadPreset(engine::find_preset(id));
        });
    if (!options.compare.empty()) {
        window.sessionsView()->refresh();
        window.sessionsView()->compare(options.compare);
        QObject::connect(window.sessionsView(), &ui::SessionsView::listed, &window,
                         [&window, ids = options.compare] { window.sessionsView()->selectIds(ids); });
    }
    if (screenshot) {
        const int delay_ms = static_cast<int>(options.screenshot_after_s * 1000);
        QTimer::singleShot(delay_ms, &window, [&window, file = options.screenshot] {
            window.refresh();
            if (!window.grab().save(file, "PNG")) {
                std::fprintf(stderr, "batchscope: could not write %s\n", qPrintable(file));
                QApplication::exit(1);
                return;
            }
            std::printf("screenshot: %s\n", qPrintable(file));
            QApplication::quit();
        });
    }
    return QApplication::exec();
}
